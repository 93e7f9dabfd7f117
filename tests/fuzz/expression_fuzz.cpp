// libFuzzer target for the calculator: any text either fails to parse with
// a position inside it, or compiles to a graph that evaluates like a plain
// recursive evaluation of the parse tree. The graph reassociates chains,
// so the two agree to rounding: results are compared against the size of
// the terms involved. Not compared: expressions whose divisors cancel to
// almost nothing (rounding decides the answer), and those whose numbers
// together span more than 10^±250, where a reassociated product can
// overflow although the left-to-right one does not (3/7*0/5e300*... is 0
// left to right, while the product of its divisors overflows).

#include "graph.hpp"
#include "parser.hpp"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string_view>
#include <variant>

namespace {

struct Reference {
  std::optional<double> value;  // nullopt: division by zero or not finite
  double magnitude = 0;         // the result's size were no term to cancel
  double decades = 0;           // the sum of |log10 x| over its numbers
  bool comparable = true;       // false when rounding alone decides the result
};

constexpr double kMaxDecades = 250;

Reference evaluate(const calculator::Ast& node) {
  using Kind = calculator::Ast::Kind;
  if (node.kind == Kind::number) {
    double decades = node.value == 0 ? 0 : std::fabs(std::log10(std::fabs(node.value)));
    return {node.value, std::fabs(node.value), decades, decades <= kMaxDecades};
  }
  if (node.kind == Kind::negate) {
    auto inner = evaluate(*node.left);
    if (inner.value) *inner.value = -*inner.value;
    return inner;
  }
  auto left = evaluate(*node.left);
  auto right = evaluate(*node.right);
  Reference out{std::nullopt, 0, left.decades + right.decades,
                left.comparable && right.comparable && left.decades + right.decades <= kMaxDecades};
  if (!left.value || !right.value) return out;
  double a = *left.value, b = *right.value;
  switch (node.op) {
    case '+': out.value = a + b; out.magnitude = left.magnitude + right.magnitude; break;
    case '-': out.value = a - b; out.magnitude = left.magnitude + right.magnitude; break;
    case '*': out.value = a * b; out.magnitude = left.magnitude * right.magnitude; break;
    default:
      if (std::fabs(b) < 1e-6 * right.magnitude) out.comparable = false;
      if (b == 0) return out;
      out.value = a / b;
      out.magnitude = left.magnitude / std::fabs(b);
  }
  if (!std::isfinite(*out.value)) out.value.reset();
  // Near the ends of the double range, over- and underflow depend on order.
  if (!(out.magnitude < 1e250) || (out.magnitude != 0 && out.magnitude < 1e-250)) {
    out.comparable = false;
  }
  return out;
}

[[noreturn]] void disagree(std::string_view text, const char* what) {
  std::fprintf(stderr, "expression \"%.*s\": %s\n", static_cast<int>(text.size()), text.data(), what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::unique_ptr<calculator::Ast> tree;
  try {
    tree = calculator::parse(text);
  } catch (const calculator::ParseError& error) {
    if (error.position() > text.size()) disagree(text, "a parse error points past the end");
    return 0;
  }
  auto graph = calculator::compile(*tree);
  auto result = calculator::evaluate(graph);
  auto reference = evaluate(*tree);
  if (!reference.comparable) return 0;
  if (auto* error = std::get_if<calculator::EvaluationError>(&result)) {
    if (error->position >= text.size()) disagree(text, "an evaluation error points past the end");
    if (reference.value) disagree(text, "the graph fails where the tree has a value");
    return 0;
  }
  if (!reference.value) disagree(text, "the graph has a value where the tree fails");
  double value = std::get<double>(result);
  if (std::fabs(value - *reference.value) > 1e-9 * reference.magnitude + 1e-300) {
    disagree(text, "the graph's value differs from the tree's");
  }
  return 0;
}
