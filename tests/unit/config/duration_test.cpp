// config::parse_duration: a non-negative integer immediately followed by one
// of the units ms, s, m, h, d; anything else is refused (nullopt).

#include "config/duration.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <string>

using orchestra::config::parse_duration;
using namespace std::chrono_literals;

TEST_CASE("every unit: ms, s, m, h and d") {
  CHECK(parse_duration("250ms") == 250ms);
  CHECK(parse_duration("30s") == 30s);
  CHECK(parse_duration("5m") == 5min);
  CHECK(parse_duration("1h") == 1h);
  CHECK(parse_duration("2d") == 48h);
  CHECK(parse_duration("0s") == 0ms);
  CHECK(parse_duration("0ms") == 0ms);
  CHECK(parse_duration("1500ms") == 1500ms);
  CHECK(parse_duration("90m") == 90min);
}

TEST_CASE("a duration needs a non-negative integer and a unit, with nothing in between") {
  for (const auto* text : {"10", "1.5s", "-1s", "s", "10 s", " 10s", "10s ", "10S", "10sec",
                           "10min", "1h30m", "+5s", "0x10s", "", "ms"}) {
    CAPTURE(text);
    CHECK_FALSE(parse_duration(text).has_value());
  }
}

TEST_CASE("durations that do not fit in 64-bit milliseconds are refused") {
  // Too large for the integer itself.
  CHECK_FALSE(parse_duration("99999999999999999999ms").has_value());
  // Fits as an integer, overflows once scaled.
  CHECK_FALSE(parse_duration("9223372036854775807d").has_value());
  constexpr std::int64_t kMax = INT64_MAX;
  CHECK_FALSE(parse_duration(std::to_string(kMax / 1000 + 1) + "s").has_value());
  // The largest values that do fit are accepted.
  CHECK(parse_duration(std::to_string(kMax) + "ms") == std::chrono::milliseconds(kMax));
  CHECK(parse_duration(std::to_string(kMax / 86'400'000) + "d") ==
        std::chrono::milliseconds(kMax / 86'400'000 * 86'400'000));
}
