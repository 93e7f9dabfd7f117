#include "config/duration.hpp"

#include <doctest/doctest.h>

using orchestra::config::parse_duration;
using namespace std::chrono_literals;

TEST_CASE("durations take a unit") {
  CHECK(parse_duration("250ms") == 250ms);
  CHECK(parse_duration("30s") == 30s);
  CHECK(parse_duration("5m") == 5min);
  CHECK(parse_duration("1h") == 1h);
  CHECK(parse_duration("2d") == 48h);
  CHECK(parse_duration("0s") == 0ms);
}

TEST_CASE("malformed durations are rejected") {
  for (const auto* text : {"10", "1.5s", "-1s", "s", "10 s", "10S", "", "99999999999999999999d",
                           "9223372036854775807d"}) {
    CAPTURE(text);
    CHECK_FALSE(parse_duration(text).has_value());
  }
}
