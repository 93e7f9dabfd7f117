#pragma once
// Compiles an expression tree into a graph of binary operations, each to
// run as one task. Chains of one precedence level are flattened and
// rebalanced so the critical path is logarithmic:
//   a + b - c + d - e  ->  (a + d) + b  -  (c + e)      sums of each sign
//   a * b / c / d      ->  (a * b) / (c * d)            products of each side
// Unary minus costs no operation: it negates a constant or flags the
// operation whose result it negates.

#include "parser.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace calculator {

struct Operand {
  std::optional<std::size_t> operation;  // the operation producing it, else `value`
  double value = 0;
  // Set on a divisor factor: the position of its '/', reported when the
  // factor is zero.
  std::optional<std::size_t> divides_at;
};

struct Operation {
  char op = '+';
  Operand left;
  Operand right;
  bool negate = false;       // the result is -(left op right)
  std::size_t position = 0;  // an operator of the source it stands for
};

struct Graph {
  std::vector<Operation> operations;  // every operation after its inputs
  Operand result;                     // a constant when there is no operation
  // Operations on the longest dependency chain (0 without operations).
  std::size_t depth() const;
};

Graph compile(const Ast& tree);

// One operation's input or output as the tasks pass it on.
struct Value {
  double value = 0;
  // Position of the '/' whose divisor factor is exactly zero, carried
  // through the products of divisors.
  std::optional<std::size_t> zero_divisor;
};

struct EvaluationError {
  std::string message;
  std::size_t position = 0;
};

// The value an operand carries into an operation, given the result of the
// operation producing it (ignored for constants).
Value input(const Operand& operand, const Value& produced = {});
// Division by zero and non-finite results are errors.
std::variant<Value, EvaluationError> apply(const Operation& operation, const Value& left,
                                           const Value& right);

// Runs every operation in order, as the tasks would.
std::variant<double, EvaluationError> evaluate(const Graph& graph);

}  // namespace calculator
