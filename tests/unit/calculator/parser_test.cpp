// The calculator's language: a table of valid expressions with their
// values and of malformed ones with the position of the error.

#include "graph.hpp"
#include "parser.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <variant>

using namespace calculator;

namespace {

double value_of(const std::string& text) {
  auto graph = compile(*parse(text));
  auto outcome = evaluate(graph);
  REQUIRE_MESSAGE(std::holds_alternative<double>(outcome), text);
  return std::get<double>(outcome);
}

struct Valid {
  const char* text;
  double value;
};

struct Invalid {
  const char* text;
  std::size_t position;
  const char* message;  // a part of the message
};

}  // namespace

TEST_CASE("valid expressions evaluate to their value") {
  const Valid cases[] = {
      {"42", 42},
      {"0", 0},
      {"12", 12},
      {"0.5", 0.5},
      {".5", 0.5},
      {"5.", 5},
      {"1e3", 1000},
      {"1E3", 1000},
      {"2.5e-1", 0.25},
      {"1e+2", 100},
      {"-3", -3},
      {"+3", 3},
      {"--3", 3},
      {"-+-3", 3},
      {"2+2*2", 6},
      {"(2+2)*2", 8},
      {"2*-3", -6},
      {"2*+3", 6},
      {"-(1+2)", -3},
      {"-(-(1+2))", 3},
      {"1-2-3", -4},
      {"1-(2-3)", 2},
      {"1 - -2", 3},
      {"1 - -(2+3)", 6},
      {"8/2/2", 2},
      {"8/(2/2)", 8},
      {"2*3/4", 1.5},
      {"1/4*8", 2},
      {"-2*-3", 6},
      {"-(2*3)*-(4)", 24},
      {"2/-(4*2)", -0.25},
      {"  1 +\t2 \n", 3},
      {"((((7))))", 7},
      {"1+2+3+4+5+6+7+8", 36},
      {"1*2*3*4*5", 120},
      {"10-1-1-1-1-1", 5},
      {"100/2/5/2", 5},
      {"(1+2)*(3+4)", 21},
      {"-(1-2)-(3-4)", 2},
      {"2*(3+4)*5", 70},
      {"1.5+2.25", 3.75},
      {"0.1+0.2", 0.1 + 0.2},
      {"1e-400+1", 1},
      {"-(-(-(2)))", -2},
      {"3-(-(2))", 5},
      {"-(2+3)-4", -9},
      {"-(2+3)-(4+5)", -14},
      {"6/-(-3)", 2},
      {"1+2*3-4/2", 5},
      {"2*(1-(3-(4-5)))", -6},
  };
  for (const auto& c : cases) {
    std::string text = c.text;
    CAPTURE(text);
    CHECK(value_of(c.text) == doctest::Approx(c.value).epsilon(1e-12));
  }
}

TEST_CASE("malformed expressions are refused with the position of the problem") {
  const Invalid cases[] = {
      {"", 0, "empty"},
      {"   ", 0, "empty"},
      {"(", 0, "never closed"},
      {"(1+2", 0, "never closed"},
      {"2*(3+(4)", 2, "never closed"},
      {"1+2)", 3, "no matching"},
      {")", 0, "expected a number"},
      {"()", 1, "expected a number"},
      {"2*/3", 2, "expected a number"},
      {"2+*3", 2, "expected a number"},
      {"*2", 0, "expected a number"},
      {"/2", 0, "expected a number"},
      {"2+", 1, "ends with an operator"},
      {"2 + ", 2, "ends with an operator"},
      {"-", 0, "ends with an operator"},
      {"2*(-", 3, "ends with an operator"},
      {"2 3", 2, "expected an operator"},
      {"2(3)", 1, "expected an operator"},
      {"(1)(2)", 3, "expected an operator"},
      {"2 & 3", 2, "unknown character"},
      {"2+x", 2, "unknown character"},
      {"abc", 0, "unknown character"},
      {"1,5", 1, "unknown character"},
      {"1e400", 0, "too large"},
      {"2*1e999", 2, "too large"},
      {".", 0, "not a number"},
      {"1..2", 0, "malformed number"},
      {"1.2.3", 0, "malformed number"},
      {"1e", 0, "exponent"},
      {"1e+", 0, "exponent"},
      {"2^3", 1, "unknown character"},
  };
  for (const auto& c : cases) {
    std::string text = c.text;
    CAPTURE(text);
    try {
      parse(c.text);
      FAIL("accepted");
    } catch (const ParseError& error) {
      CHECK(error.position() == c.position);
      CHECK_MESSAGE(std::string(error.what()).find(c.message) != std::string::npos, error.what());
    }
  }
}

TEST_CASE("limits on length, operations and nesting") {
  Limits limits{10, 3};
  CHECK_NOTHROW(parse("1+2+3+4", limits));
  try {
    parse("1+2+3+4+5", limits);
    FAIL("accepted");
  } catch (const ParseError& error) {
    CHECK(error.position() == 7);
    CHECK(std::string(error.what()).find("more than 3 operations") != std::string::npos);
  }
  try {
    parse("1+2+3 +    4", limits);
    FAIL("accepted");
  } catch (const ParseError& error) {
    CHECK(error.position() == 10);
  }
  CHECK_THROWS_AS(parse(std::string(300, '(') + "1" + std::string(300, ')')), ParseError);
  CHECK_THROWS_AS(parse(std::string(900, '-') + "1"), ParseError);
  CHECK_NOTHROW(parse(std::string(100, '(') + "1" + std::string(100, ')')));
}

TEST_CASE("division by zero fails with the position of the '/'") {
  auto error_of = [](const std::string& text) {
    auto outcome = evaluate(compile(*parse(text)));
    REQUIRE_MESSAGE(std::holds_alternative<EvaluationError>(outcome), text);
    return std::get<EvaluationError>(outcome);
  };
  CHECK(error_of("1/0").position == 1);
  CHECK(error_of("1/0").message == "division by zero");
  CHECK(error_of("1 + 2/(3-3)").position == 5);
  CHECK(error_of("8/2/0").position == 3);
  CHECK(error_of("8/0/2").position == 1);
  CHECK(error_of("8/2/0/0").position == 3);
  CHECK(error_of("1/(0*5)").position == 1);
  CHECK(error_of("1e300*1e300").message == "the result is too large");
}
