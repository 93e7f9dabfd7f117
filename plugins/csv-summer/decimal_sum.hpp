#pragma once
// An exact sum of decimal numbers: each value is a fixed-point mantissa at
// its scale (digits after the point), accumulated per scale in 128-bit
// integers, so 0.1 added ten times is exactly 1. Values whose mantissa
// does not fit 18 digits, or whose scale is outside 0..18, and buckets
// that would overflow, fall back to long double.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace csv_summer {

__extension__ using Int128 = __int128;  // a GCC/Clang extension, on purpose
__extension__ using UInt128 = unsigned __int128;

// A number read from text, ready to be added.
struct DecimalValue {
  Int128 mantissa = 0;       // the value times 10^scale
  int scale = 0;
  bool approximate = false;  // too many digits or an extreme scale: `approximation` holds it
  long double approximation = 0;
};

class DecimalSum {
 public:
  static constexpr int kMaxScale = 18;

  // Reads a number written as [sign] digits [. digits] [e [sign] digits]
  // (digits on at least one side of the point) into `value`; false when
  // `text` is not such a number. (An out-parameter: returning the 48-byte
  // value made the hot loop stall on reading it back.)
  static bool parse(std::string_view text, DecimalValue& value);
  void add(const DecimalValue& value);
  // parse and add; false, adding nothing, when `text` is not a number.
  bool add(std::string_view text);
  void merge(const DecimalSum& other);
  // The exact digits when no value fell back, e.g. "1", "-0.25", "1234.5".
  std::string to_json() const;
  bool exact() const { return fallback_ == 0 && !fell_back_; }

 private:
  void add_fixed(Int128 mantissa, int scale);

  std::array<Int128, kMaxScale + 1> by_scale_{};
  long double fallback_ = 0;
  bool fell_back_ = false;
};

}  // namespace csv_summer
