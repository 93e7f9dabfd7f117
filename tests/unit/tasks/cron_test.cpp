#include "tasks/cron.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <ctime>

using orchestra::tasks::CronSchedule;
using Clock = std::chrono::system_clock;

namespace {

// Cron evaluates in the process's TZ; the tests use UTC.
struct Utc {
  Utc() {
    setenv("TZ", "UTC", 1);
    tzset();
  }
} utc;

Clock::time_point at(int year, int month, int day, int hour, int minute, int second = 0) {
  std::tm parts{};
  parts.tm_year = year - 1900;
  parts.tm_mon = month - 1;
  parts.tm_mday = day;
  parts.tm_hour = hour;
  parts.tm_min = minute;
  parts.tm_sec = second;
  return Clock::from_time_t(timegm(&parts));
}

Clock::time_point next(const std::string& spec, Clock::time_point after) {
  auto result = CronSchedule::parse(spec).next_after(after);
  REQUIRE(result.has_value());
  return *result;
}

}  // namespace

TEST_CASE("standard fields, steps, ranges, lists and names") {
  auto start = at(2026, 11, 24, 10, 7, 30);
  CHECK(next("*/5 * * * *", start) == at(2026, 11, 24, 10, 10));
  CHECK(next("0 9-17/4 * * *", start) == at(2026, 11, 24, 13, 0));
  CHECK(next("15,45 * * * *", start) == at(2026, 11, 24, 10, 15));
  CHECK(next("0 0 1 jan *", start) == at(2027, 1, 1, 0, 0));
  CHECK(next("0 12 * * sat", start) == at(2026, 11, 28, 12, 0));
  CHECK(next("0 12 * * 7", start) == at(2026, 11, 29, 12, 0));
  CHECK(next("30 * * * * *", start) == at(2026, 11, 24, 10, 8, 30));
  CHECK(next("@daily", start) == at(2026, 11, 25, 0, 0));
  CHECK(next("@hourly", start) == at(2026, 11, 24, 11, 0));
}

TEST_CASE("next fire time is strictly after the given time") {
  auto exact = at(2026, 11, 24, 10, 10);
  CHECK(next("*/5 * * * *", exact) == at(2026, 11, 24, 10, 15));
}

TEST_CASE("day-of-month and day-of-week together match either") {
  // 1st of the month or any Monday: after Tue 24 Nov comes Mon 30 Nov.
  CHECK(next("0 0 1 * mon", at(2026, 11, 24, 10, 0)) == at(2026, 11, 30, 0, 0));
}

TEST_CASE("impossible dates never fire and bad specs name the field") {
  CHECK_FALSE(CronSchedule::parse("0 0 30 2 *").next_after(at(2026, 1, 1, 0, 0)).has_value());
  CHECK_THROWS_WITH_AS(CronSchedule::parse("* * *"),
                       "expected 5 fields (or 6 with seconds), got 3", std::invalid_argument);
  CHECK_THROWS_WITH_AS(CronSchedule::parse("61 * * * *"), "minute field: 61 is outside 0-59",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(CronSchedule::parse("* * * foo *"), "month field: 'foo' is not a value",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(CronSchedule::parse("*/0 * * * *"), "minute field: bad step '0'",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(CronSchedule::parse("5-1 * * * *"), "minute field: range 5-1 is backwards",
                       std::invalid_argument);
  CHECK_THROWS_AS(CronSchedule::parse("@often"), std::invalid_argument);
}
