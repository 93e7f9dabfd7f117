#pragma once
// Random calculator expressions and an evaluator of the soak's own (not the
// plugin's parser or graph), to check every result the plugin returns.

#include <optional>
#include <random>
#include <string>

namespace soak {

// What an expression must come to.
struct Expected {
  bool division_by_zero = false;
  double value = 0;
  // The largest magnitude met along the way: the plugin regroups chains,
  // so its rounding differs from left-to-right by a few ulps of this.
  double scale = 0;
  bool matches(double actual) const;
};

// Operands are small integers and halves, so every value is exact in a
// double except after a division. A divisor never contains a division:
// whether it is zero is then exact in any evaluation order, and the
// plugin and this evaluator agree on division by zero.
std::string random_expression(std::mt19937& random);

// Evaluates left to right with the usual precedence; nullopt for text
// outside the language of random_expression.
std::optional<Expected> evaluate(const std::string& text);

}  // namespace soak
