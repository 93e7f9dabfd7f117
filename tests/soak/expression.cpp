#include "expression.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace soak {
namespace {

int pick(std::mt19937& random, int low, int high) {
  return std::uniform_int_distribution<int>(low, high)(random);
}

std::string operand(std::mt19937& random) {
  int whole = pick(random, 0, 9);
  std::string text = std::to_string(whole);
  if (pick(random, 0, 5) == 0) text += ".5";
  // Parenthesised: "5--3" would be two operators in a row.
  if (pick(random, 0, 6) == 0) text = "(-" + text + ")";
  return text;
}

// Sums and products of integers: a divisor, sometimes zero.
std::string divisor(std::mt19937& random) {
  if (pick(random, 0, 2) == 0) return std::to_string(pick(random, 0, 9));
  std::string text = "(" + std::to_string(pick(random, 0, 9));
  for (int i = pick(random, 1, 3); i > 0; --i) {
    text += "+-*"[pick(random, 0, 2)];
    text += std::to_string(pick(random, 0, 9));
  }
  return text + ")";
}

std::string term(std::mt19937& random, int depth) {
  if (depth == 0 || pick(random, 0, 2) == 0) return operand(random);
  std::string text = "(" + term(random, depth - 1);
  for (int i = pick(random, 1, 4); i > 0; --i) {
    int op = pick(random, 0, 3);
    if (op == 3) {
      text += "/" + divisor(random);
    } else {
      text += "+-*"[op];
      text += term(random, depth - 1);
    }
  }
  return text + ")";
}

// Recursive descent over the text: expression := product (('+'|'-') product)*,
// product := unary (('*'|'/') unary)*, unary := ('-'|'+') unary | primary.
class Evaluator {
 public:
  explicit Evaluator(const std::string& text) : text_(text) {}

  std::optional<Expected> run() {
    double value = sum();
    if (!ok_ || position_ != text_.size()) return std::nullopt;
    return Expected{division_by_zero_, value, scale_};
  }

 private:
  char peek() const { return position_ < text_.size() ? text_[position_] : '\0'; }

  double note(double value) {
    scale_ = std::max(scale_, std::fabs(value));
    return value;
  }

  double sum() {
    double value = product();
    while (peek() == '+' || peek() == '-') {
      char op = text_[position_++];
      double right = product();
      value = note(op == '+' ? value + right : value - right);
    }
    return value;
  }

  double product() {
    double value = unary();
    while (peek() == '*' || peek() == '/') {
      char op = text_[position_++];
      double right = unary();
      if (op == '/' && right == 0) {
        division_by_zero_ = true;
        right = 1;  // keep going: the text may still be malformed further on
      }
      value = note(op == '*' ? value * right : value / right);
    }
    return value;
  }

  double unary() {
    if (peek() == '-') return ++position_, -unary();
    if (peek() == '+') return ++position_, unary();
    return primary();
  }

  double primary() {
    if (peek() == '(') {
      ++position_;
      double value = sum();
      if (peek() != ')') ok_ = false;
      ++position_;
      return value;
    }
    const char* begin = text_.c_str() + position_;
    char* end = nullptr;
    double value = std::strtod(begin, &end);
    if (end == begin) {
      ok_ = false;
      return 0;
    }
    position_ += static_cast<std::size_t>(end - begin);
    return note(value);
  }

  const std::string& text_;
  std::size_t position_ = 0;
  bool ok_ = true;
  bool division_by_zero_ = false;
  double scale_ = 0;
};

}  // namespace

bool Expected::matches(double actual) const {
  return std::fabs(actual - value) <= 1e-9 * std::max(1.0, scale);
}

std::string random_expression(std::mt19937& random) {
  std::string text = term(random, 3);
  // The outer parentheses are the plugin's business as much as any others.
  if (pick(random, 0, 1) == 0 && text.front() == '(') text = text.substr(1, text.size() - 2);
  return text;
}

std::optional<Expected> evaluate(const std::string& text) { return Evaluator(text).run(); }

}  // namespace soak
