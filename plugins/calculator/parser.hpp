#pragma once
// The calculator's expression language: numbers (12, 0.5, .5, 1e3),
// + - * /, parentheses, unary minus and plus, whitespace anywhere.
// Parsing yields a tree whose nodes remember their 0-based position.

#include <cstddef>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

namespace calculator {

struct Ast {
  enum class Kind { number, negate, binary };
  Kind kind = Kind::number;
  double value = 0;           // number
  char op = 0;                // binary: + - * /
  std::size_t position = 0;   // number: first character; otherwise the operator
  std::unique_ptr<Ast> left;  // binary; negate: the operand
  std::unique_ptr<Ast> right;
};

// A malformed expression: what is wrong and where (0-based character).
class ParseError : public std::runtime_error {
 public:
  ParseError(std::string message, std::size_t position)
      : std::runtime_error(std::move(message)), position_(position) {}
  std::size_t position() const { return position_; }

 private:
  std::size_t position_;
};

struct Limits {
  std::size_t max_length = 1000;
  std::size_t max_operations = 500;
};

// Throws ParseError.
std::unique_ptr<Ast> parse(std::string_view text, const Limits& limits = {});

}  // namespace calculator
