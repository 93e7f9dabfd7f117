#include "parser.hpp"

#include <charconv>
#include <string>

namespace calculator {
namespace {

// Deeper nesting would let a short input exhaust the stack.
constexpr int kMaxNesting = 200;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::string describe(char c) {
  if (c == '\0') return "the end";
  return std::string("'") + c + "'";
}

class Parser {
 public:
  Parser(std::string_view text, const Limits& limits) : text_(text), limits_(limits) {}

  std::unique_ptr<Ast> parse_all() {
    if (text_.size() > limits_.max_length) {
      throw ParseError("the expression is longer than " + std::to_string(limits_.max_length) +
                           " characters",
                       limits_.max_length);
    }
    skip_spaces();
    if (at_end()) throw ParseError("the expression is empty", 0);
    auto tree = sum(0);
    skip_spaces();
    if (!at_end()) {
      char c = peek();
      if (c == ')') throw ParseError("')' has no matching '('", at_);
      if (is_digit(c) || c == '.' || c == '(') {
        throw ParseError("expected an operator but found " + describe(c), at_);
      }
      throw ParseError("unknown character " + describe(c), at_);
    }
    return tree;
  }

 private:
  bool at_end() const { return at_ >= text_.size(); }
  char peek() const { return at_end() ? '\0' : text_[at_]; }
  void skip_spaces() {
    while (!at_end() && (peek() == ' ' || peek() == '\t' || peek() == '\n' || peek() == '\r')) {
      ++at_;
    }
  }

  std::unique_ptr<Ast> binary(char op, std::size_t position, std::unique_ptr<Ast> left,
                              std::unique_ptr<Ast> right) {
    if (++operations_ > limits_.max_operations) {
      throw ParseError("the expression has more than " + std::to_string(limits_.max_operations) +
                           " operations",
                       position);
    }
    auto node = std::make_unique<Ast>();
    node->kind = Ast::Kind::binary;
    node->op = op;
    node->position = position;
    node->left = std::move(left);
    node->right = std::move(right);
    return node;
  }

  std::unique_ptr<Ast> sum(int depth) {
    auto left = product(depth);
    for (skip_spaces(); peek() == '+' || peek() == '-'; skip_spaces()) {
      char op = peek();
      auto position = at_++;
      left = binary(op, position, std::move(left), product(depth));
    }
    return left;
  }

  std::unique_ptr<Ast> product(int depth) {
    auto left = unary(depth);
    for (skip_spaces(); peek() == '*' || peek() == '/'; skip_spaces()) {
      char op = peek();
      auto position = at_++;
      left = binary(op, position, std::move(left), unary(depth));
    }
    return left;
  }

  std::unique_ptr<Ast> unary(int depth) {
    skip_spaces();
    if (depth > kMaxNesting) throw ParseError("the expression nests too deeply", at_);
    if (peek() == '+') {
      ++at_;
      return unary(depth + 1);
    }
    if (peek() == '-') {
      auto node = std::make_unique<Ast>();
      node->kind = Ast::Kind::negate;
      node->position = at_++;
      node->left = unary(depth + 1);
      return node;
    }
    return primary(depth);
  }

  std::unique_ptr<Ast> primary(int depth) {
    skip_spaces();
    char c = peek();
    if (c == '(') {
      auto open = at_++;
      auto inner = sum(depth + 1);
      skip_spaces();
      if (peek() != ')') {
        if (at_end()) throw ParseError("'(' is never closed", open);
        throw ParseError("expected an operator or ')' but found " + describe(peek()), at_);
      }
      ++at_;
      return inner;
    }
    if (is_digit(c) || c == '.') return number();
    if (at_end()) {
      auto last = last_operator();
      if (text_[last] == '(') throw ParseError("'(' is never closed", last);
      throw ParseError("the expression ends with an operator", last);
    }
    if (c == ')' || c == '*' || c == '/') {
      throw ParseError("expected a number or '(' but found " + describe(c), at_);
    }
    throw ParseError("unknown character " + describe(c), at_);
  }

  // The position of the operator the text ends with.
  std::size_t last_operator() const {
    auto position = text_.size();
    while (position > 0) {
      char c = text_[--position];
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return position;
    }
    return 0;
  }

  std::unique_ptr<Ast> number() {
    auto start = at_;
    while (is_digit(peek())) ++at_;
    bool fraction = peek() == '.';
    if (fraction) ++at_;
    while (is_digit(peek())) ++at_;
    bool has_digits = false;
    for (auto i = start; i < at_; ++i) has_digits = has_digits || is_digit(text_[i]);
    if (!has_digits) throw ParseError("'.' is not a number", start);
    if (peek() == 'e' || peek() == 'E') {
      ++at_;
      if (peek() == '+' || peek() == '-') ++at_;
      if (!is_digit(peek())) throw ParseError("the number's exponent has no digits", start);
      while (is_digit(peek())) ++at_;
    }
    double value = 0;
    auto [end, error] = std::from_chars(text_.data() + start, text_.data() + at_, value);
    if (error == std::errc::result_out_of_range) {
      // from_chars also says so for values too small to represent: those are 0.
      bool tiny = false;
      for (auto i = start; i < at_ && text_[i] != 'e' && text_[i] != 'E'; ++i) {
        tiny = tiny || (is_digit(text_[i]) && text_[i] != '0');
      }
      std::string_view literal = text_.substr(start, at_ - start);
      auto exponent = literal.find_first_of("eE");
      bool negative_exponent = exponent != std::string_view::npos &&
                               exponent + 1 < literal.size() && literal[exponent + 1] == '-';
      if (!(tiny && negative_exponent)) throw ParseError("the number is too large", start);
      value = 0;
    } else if (error != std::errc{} || end != text_.data() + at_) {
      throw ParseError("malformed number", start);
    }
    if (is_digit(peek()) || peek() == '.') throw ParseError("malformed number", start);
    auto node = std::make_unique<Ast>();
    node->kind = Ast::Kind::number;
    node->value = value;
    node->position = start;
    return node;
  }

  std::string_view text_;
  const Limits& limits_;
  std::size_t at_ = 0;
  std::size_t operations_ = 0;
};

}  // namespace

std::unique_ptr<Ast> parse(std::string_view text, const Limits& limits) {
  return Parser(text, limits).parse_all();
}

}  // namespace calculator
