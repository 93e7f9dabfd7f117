// csv_summer::DecimalSum: exact sums of decimal text.

#include "decimal_sum.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using csv_summer::DecimalSum;

namespace {

std::string sum(const std::vector<std::string>& values) {
  DecimalSum total;
  for (const auto& value : values) REQUIRE_MESSAGE(total.add(value), value);
  return total.to_json();
}

}  // namespace

TEST_CASE("decimal sums are exact") {
  CHECK(sum(std::vector<std::string>(10, "0.1")) == "1");
  CHECK(sum({"0.1", "0.2"}) == "0.3");
  CHECK(sum({"1", "2", "3"}) == "6");
  CHECK(sum({}) == "0");
  CHECK(sum({"-0.25", "0.25"}) == "0");
  CHECK(sum({"-1.5"}) == "-1.5");
  CHECK(sum({"+7", ".5", "5."}) == "12.5");
  CHECK(sum({"1e3", "2.5E-1", "-1e-2"}) == "1000.24");
  CHECK(sum({"123456789012345678", "1"}) == "123456789012345679");
  CHECK(sum({"0.000000000000000001", "1"}) == "1.000000000000000001");
  CHECK(sum({"0.0000"}) == "0");
  CHECK(sum({"007.50"}) == "7.5");
  std::vector<std::string> many(1'000'000, "0.01");
  CHECK(sum(many) == "10000");
}

TEST_CASE("values that do not fit fall back to long double") {
  DecimalSum total;
  CHECK(total.add("1e30"));
  CHECK(total.add("1"));
  CHECK_FALSE(total.exact());
  CHECK(total.to_json() == "1e+30");
  DecimalSum tiny;
  CHECK(tiny.add("1e-30"));
  CHECK_FALSE(tiny.exact());
}

TEST_CASE("text that is not a number is refused and adds nothing") {
  DecimalSum total;
  for (const char* bad : {"", "-", "+", ".", "1.2.3", "abc", "1e", "1e+", "12a", "--1", "1 2",
                          "0x10", "1,5", "e5", "nan", "inf"}) {
    CAPTURE(std::string(bad));
    CHECK_FALSE(total.add(bad));
  }
  CHECK(total.to_json() == "0");
}

TEST_CASE("sums merge exactly") {
  DecimalSum a, b;
  a.add("0.1");
  b.add("0.2");
  b.add("3");
  a.merge(b);
  CHECK(a.to_json() == "3.3");
}
