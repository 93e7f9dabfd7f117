#include "decimal_sum.hpp"

#include <cmath>
#include <cstdio>

namespace csv_summer {
namespace {

constexpr int kMaxMantissaDigits = 18;

Int128 power_of_ten(int exponent) {
  Int128 value = 1;
  for (int i = 0; i < exponent; ++i) value *= 10;
  return value;
}

std::string digits_of(UInt128 value) {
  if (value == 0) return "0";
  std::string out;
  while (value > 0) {
    out.insert(out.begin(), static_cast<char>('0' + static_cast<int>(value % 10)));
    value /= 10;
  }
  return out;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }


// The common case in one tight loop: [sign] digits [. digits], at most 18
// digits in all (leading zeros included), so nothing can overflow.
bool parse_plain(std::string_view text, DecimalValue& out) {
  const char* p = text.data();
  const char* end = p + text.size();
  bool negative = false;
  if (p < end && (*p == '-' || *p == '+')) negative = *p++ == '-';
  std::uint64_t mantissa = 0;
  int digits = 0;
  const char* point = nullptr;
  for (; p < end; ++p) {
    auto digit = static_cast<unsigned>(*p - '0');
    if (digit < 10) {
      mantissa = mantissa * 10 + digit;
      ++digits;
    } else if (*p == '.' && point == nullptr) {
      point = p;
    } else {
      return false;
    }
  }
  if (digits == 0 || digits > kMaxMantissaDigits) return false;
  out.mantissa = negative ? -static_cast<Int128>(mantissa) : static_cast<Int128>(mantissa);
  out.scale = point != nullptr ? static_cast<int>(end - point - 1) : 0;
  out.approximate = false;
  return true;
}

}  // namespace

bool DecimalSum::parse(std::string_view text, DecimalValue& out) {
  if (parse_plain(text, out)) return true;
  std::size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) negative = text[i++] == '-';
  // 18 digits fit 64 bits: cheaper than 128-bit steps on the hot path.
  std::uint64_t mantissa = 0;
  int digits = 0, fraction_digits = 0;
  bool any_digit = false, overflow = false;
  auto take = [&](char c) {
    any_digit = true;
    if (digits == 0 && c == '0') return;  // leading zeros carry no digits
    if (digits >= kMaxMantissaDigits) {
      overflow = true;
      return;
    }
    mantissa = mantissa * 10 + (c - '0');
    ++digits;
  };
  while (i < text.size() && is_digit(text[i])) take(text[i++]);
  if (i < text.size() && text[i] == '.') {
    ++i;
    while (i < text.size() && is_digit(text[i])) {
      take(text[i++]);
      ++fraction_digits;
    }
  }
  if (!any_digit) return false;
  int exponent = 0;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    bool negative_exponent = false;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) negative_exponent = text[i++] == '-';
    if (i == text.size() || !is_digit(text[i])) return false;
    while (i < text.size() && is_digit(text[i])) {
      exponent = std::min(exponent * 10 + (text[i++] - '0'), 100'000);
    }
    if (negative_exponent) exponent = -exponent;
  }
  if (i != text.size()) return false;
  int scale = fraction_digits - exponent;
  Int128 value = mantissa;
  if (!overflow && scale < 0 && digits - scale <= kMaxMantissaDigits) {
    value *= power_of_ten(-scale);
    scale = 0;
  }
  if (overflow || scale < 0 || scale > kMaxScale) {
    std::string copy(text);
    out.approximate = true;
    out.approximation = std::strtold(copy.c_str(), nullptr);
    return true;
  }
  out.mantissa = negative ? -value : value;
  out.scale = scale;
  out.approximate = false;
  return true;
}

void DecimalSum::add(const DecimalValue& value) {
  if (value.approximate) {
    fallback_ += value.approximation;
    fell_back_ = true;
    return;
  }
  add_fixed(value.mantissa, value.scale);
}

bool DecimalSum::add(std::string_view text) {
  DecimalValue value;
  if (!parse(text, value)) return false;
  add(value);
  return true;
}

void DecimalSum::add_fixed(Int128 mantissa, int scale) {
  Int128 result = 0;
  if (__builtin_add_overflow(by_scale_[scale], mantissa, &result)) {
    // Practically unreachable (2^127 is ~1.7e38), but never wrong.
    fallback_ += static_cast<long double>(by_scale_[scale]) / std::pow(10.0L, scale);
    fell_back_ = true;
    by_scale_[scale] = mantissa;
    return;
  }
  by_scale_[scale] = result;
}

void DecimalSum::merge(const DecimalSum& other) {
  for (int scale = 0; scale <= kMaxScale; ++scale) add_fixed(other.by_scale_[scale], scale);
  fallback_ += other.fallback_;
  fell_back_ = fell_back_ || other.fell_back_;
}

std::string DecimalSum::to_json() const {
  int top = 0;
  for (int scale = 0; scale <= kMaxScale; ++scale) {
    if (by_scale_[scale] != 0) top = scale;
  }
  Int128 total = 0;
  bool fits = true;
  for (int scale = 0; scale <= top && fits; ++scale) {
    Int128 scaled = 0;
    fits = !__builtin_mul_overflow(by_scale_[scale], power_of_ten(top - scale), &scaled) &&
           !__builtin_add_overflow(total, scaled, &total);
  }
  if (!fits || fell_back_) {
    long double value = fallback_;
    for (int scale = 0; scale <= kMaxScale; ++scale) {
      value += static_cast<long double>(by_scale_[scale]) / std::pow(10.0L, scale);
    }
    if (!std::isfinite(value)) return "null";
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.18Lg", value);
    return buffer;
  }
  bool negative = total < 0;
  auto magnitude = static_cast<UInt128>(negative ? -total : total);
  auto text = digits_of(magnitude);
  if (top > 0) {
    if (static_cast<int>(text.size()) <= top) text.insert(0, top + 1 - text.size(), '0');
    text.insert(text.end() - top, '.');
    while (text.back() == '0') text.pop_back();
    if (text.back() == '.') text.pop_back();
  }
  return (negative && text != "0" ? "-" : "") + text;
}

}  // namespace csv_summer
