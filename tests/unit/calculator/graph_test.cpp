// The operation graph: rebalancing keeps the critical path logarithmic,
// and evaluation matches a plain left-to-right evaluator on random
// expressions.

#include "graph.hpp"
#include "parser.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <random>
#include <set>
#include <string>
#include <variant>

using namespace calculator;

namespace {

std::size_t depth_of(const std::string& text) { return compile(*parse(text)).depth(); }
std::size_t operations_of(const std::string& text) {
  return compile(*parse(text)).operations.size();
}

std::string chain(int operands, char op) {
  std::string text = "1";
  for (int i = 1; i < operands; ++i) text += std::string(1, op) + std::to_string(i % 9 + 1);
  return text;
}

// The reference: evaluates the tree as written. Collects the position of
// every '/' whose divisor is zero (evaluation order may pick any of them).
double reference(const Ast& node, std::set<std::size_t>& zero_divisions) {
  switch (node.kind) {
    case Ast::Kind::number: return node.value;
    case Ast::Kind::negate: return -reference(*node.left, zero_divisions);
    case Ast::Kind::binary: break;
  }
  double left = reference(*node.left, zero_divisions);
  double right = reference(*node.right, zero_divisions);
  switch (node.op) {
    case '+': return left + right;
    case '-': return left - right;
    case '*': return left * right;
    default:
      if (right == 0) zero_divisions.insert(node.position);
      return left / right;
  }
}

std::string random_expression(std::mt19937& random, int depth) {
  std::uniform_int_distribution<int> pick(0, 9);
  if (depth == 0 || pick(random) < 3) {
    auto number = std::to_string(pick(random));
    return pick(random) < 2 ? "-" + number : number;
  }
  const char* ops = "+-*/";
  auto text = random_expression(random, depth - 1) + ops[pick(random) % 4] +
              random_expression(random, depth - 1);
  int wrap = pick(random);
  if (wrap < 3) return "(" + text + ")";
  if (wrap < 4) return "-(" + text + ")";
  return text;
}

}  // namespace

TEST_CASE("chains of one precedence take logarithmic depth") {
  CHECK(depth_of("1+2+3+4+5+6+7+8") == 3);
  CHECK(operations_of("1+2+3+4+5+6+7+8") == 7);
  CHECK(depth_of("1*2*3*4*5*6*7*8") == 3);
  CHECK(depth_of("1-2-3-4") == 3);
  CHECK(depth_of("1-2-3-4-5-6-7-8-9") == 4);  // 1 - (2+...+9): 3 levels, then one minus
  CHECK(depth_of(chain(64, '+')) == 6);
  CHECK(operations_of(chain(64, '+')) == 63);
  CHECK(depth_of(chain(500, '+')) == 9);
  CHECK(depth_of("8/2/2/2") == 3);
  CHECK(depth_of("42") == 0);
  CHECK(depth_of("-(1+2)") == 1);
  CHECK(operations_of("-(1+2)") == 1);
  CHECK(operations_of("-3*-(4)") == 1);
  CHECK(depth_of("(1+2)*(3+4)") == 2);
  CHECK(depth_of("1+2*3+4*5+6*7+8*9") == 4);
}

TEST_CASE("unary minus costs no operation") {
  auto graph = compile(*parse("-(1+2)"));
  REQUIRE(graph.operations.size() == 1);
  CHECK(graph.operations[0].negate);
  CHECK(std::get<double>(evaluate(graph)) == -3);
  auto constant = compile(*parse("--7"));
  CHECK(constant.operations.empty());
  CHECK(constant.result.value == 7);
}

TEST_CASE("property: the rebalanced graph computes what the expression says") {
  std::mt19937 random(20261125);
  int compared = 0, divisions_by_zero = 0;
  for (int i = 0; i < 3000; ++i) {
    auto text = random_expression(random, 1 + i % 6);
    CAPTURE(text);
    auto tree = parse(text);
    std::set<std::size_t> zero_divisions;
    double expected = reference(*tree, zero_divisions);
    auto outcome = evaluate(compile(*tree));
    if (!zero_divisions.empty()) {
      // x/0 may be masked (0 * (1/0) is NaN in the reference): the graph
      // must report one of the divisions the reference saw as zero.
      REQUIRE(std::holds_alternative<EvaluationError>(outcome));
      CHECK(zero_divisions.count(std::get<EvaluationError>(outcome).position) == 1);
      ++divisions_by_zero;
      continue;
    }
    REQUIRE(std::holds_alternative<double>(outcome));
    double actual = std::get<double>(outcome);
    CHECK(actual == doctest::Approx(expected).epsilon(1e-9).scale(1));
    ++compared;
  }
  CHECK(compared > 1500);
  CHECK(divisions_by_zero > 100);
}

TEST_CASE("regrouping changes rounding, as documented") {
  // (1e16 + 1) - 1e16: the 1 is lost when added to 1e16 first.
  CHECK(std::get<double>(evaluate(compile(*parse("1e16 - 1e16 + 1")))) == 0);
}
