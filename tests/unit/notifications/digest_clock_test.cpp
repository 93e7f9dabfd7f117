// The digest clock with fixed instants, on both transition days of three
// zones: Europe/Warsaw, America/New_York and Australia/Lord_Howe (whose
// daylight saving moves the clock by 30 minutes).

#include "digest_clock.hpp"
#include "digests.hpp"

#include <orchestra/json.hpp>
#include <orchestra/text.hpp>

#include <doctest/doctest.h>

using namespace notifications;

namespace {

SysTime at(const char* rfc3339) {
  auto ms = orchestra::text::parse_rfc3339(rfc3339);
  REQUIRE(ms);
  return SysTime(std::chrono::milliseconds(*ms));
}

std::string text(SysTime time) {
  return orchestra::json::rfc3339(time.time_since_epoch().count());
}

DigestClock daily(const char* zone, int hour) { return DigestClock(find_time_zone(zone), hour); }

}  // namespace

TEST_CASE("digest clock: an ordinary day fires at the local hour, in that day's offset") {
  auto clock = daily("Europe/Warsaw", 8);
  CHECK(text(clock.next_after(at("2026-03-28T00:00:00Z"))) == "2026-03-28T07:00:00.000Z");
  CHECK(text(clock.next_after(at("2026-03-28T07:00:00Z"))) == "2026-03-29T06:00:00.000Z");
  CHECK(text(clock.latest_at_or_before(at("2026-03-28T07:00:00Z"))) ==
        "2026-03-28T07:00:00.000Z");
  CHECK(text(clock.latest_at_or_before(at("2026-03-28T06:59:59Z"))) ==
        "2026-03-27T07:00:00.000Z");
  CHECK(clock.period_of(at("2026-03-28T07:00:00Z")) == "2026-03-28");
}

TEST_CASE("digest clock: Europe/Warsaw, an hour that does not exist fires when the gap ends") {
  auto clock = daily("Europe/Warsaw", 2);
  auto fire = clock.next_after(at("2026-03-28T12:00:00Z"));
  CHECK(text(fire) == "2026-03-29T01:00:00.000Z");  // 03:00 CEST
  CHECK(clock.period_of(fire) == "2026-03-29");
  CHECK(text(clock.next_after(fire)) == "2026-03-30T00:00:00.000Z");
}

TEST_CASE("digest clock: Europe/Warsaw, the repeated autumn hour fires once") {
  auto clock = daily("Europe/Warsaw", 2);
  auto fire = clock.next_after(at("2026-10-24T12:00:00Z"));
  CHECK(text(fire) == "2026-10-25T00:00:00.000Z");  // the first 02:00, CEST
  CHECK(clock.period_of(fire) == "2026-10-25");
  // Not again at the second 02:00 (01:00 UTC): the next is the next day's.
  CHECK(text(clock.next_after(fire)) == "2026-10-26T01:00:00.000Z");
  CHECK(text(clock.latest_at_or_before(at("2026-10-25T01:30:00Z"))) ==
        "2026-10-25T00:00:00.000Z");
}

TEST_CASE("digest clock: America/New_York on both transition days") {
  auto spring = daily("America/New_York", 2);
  auto fire = spring.next_after(at("2026-03-07T12:00:00Z"));
  CHECK(text(fire) == "2026-03-08T07:00:00.000Z");  // 03:00 EDT
  CHECK(spring.period_of(fire) == "2026-03-08");

  auto autumn = daily("America/New_York", 1);
  fire = autumn.next_after(at("2026-10-31T12:00:00Z"));
  CHECK(text(fire) == "2026-11-01T05:00:00.000Z");  // the first 01:00, EDT
  CHECK(text(autumn.next_after(fire)) == "2026-11-02T06:00:00.000Z");
  CHECK(autumn.period_of(fire) == "2026-11-01");
}

TEST_CASE("digest clock: Australia/Lord_Howe shifts by 30 minutes") {
  auto spring = daily("Australia/Lord_Howe", 2);
  auto fire = spring.next_after(at("2026-10-03T00:00:00Z"));
  CHECK(text(fire) == "2026-10-03T15:30:00.000Z");  // 02:30 LHDT, where the gap ends
  CHECK(spring.period_of(fire) == "2026-10-04");
  CHECK(text(spring.next_after(fire)) == "2026-10-04T15:00:00.000Z");  // 02:00 LHDT

  auto autumn = daily("Australia/Lord_Howe", 1);
  fire = autumn.next_after(at("2026-04-04T00:00:00Z"));
  CHECK(text(fire) == "2026-04-04T14:00:00.000Z");  // 01:00 LHDT, before the repeat
  CHECK(autumn.period_of(fire) == "2026-04-05");
  CHECK(text(autumn.next_after(fire)) == "2026-04-05T14:30:00.000Z");  // 01:00 LHST
}

TEST_CASE("digest clock: weekly fires on its weekday only") {
  // Monday 08:00 in Warsaw; 2026-12-03 is a Thursday.
  DigestClock clock(find_time_zone("Europe/Warsaw"), 8, 1);
  auto fire = clock.next_after(at("2026-12-03T10:00:00Z"));
  CHECK(text(fire) == "2026-12-07T07:00:00.000Z");
  CHECK(clock.period_of(fire) == "2026-12-07");
  CHECK(text(clock.latest_at_or_before(at("2026-12-03T10:00:00Z"))) ==
        "2026-11-30T07:00:00.000Z");
  CHECK(text(clock.next_after(fire)) == "2026-12-14T07:00:00.000Z");
}

TEST_CASE("digest clock: an unknown zone is refused by name") {
  CHECK_THROWS_WITH_AS(find_time_zone("Mars/Olympus"),
                       doctest::Contains("unknown time zone 'Mars/Olympus'"),
                       std::invalid_argument);
}

TEST_CASE("digest clock: saving preferences just after the hour keeps that hour's digest due") {
  Preferences preferences;
  preferences.time_zone = "Europe/Warsaw";
  preferences.daily_hour = 8;
  preferences.weekly_enabled = false;
  auto now = at("2026-12-03T07:03:00Z");  // 08:03 in Warsaw
  auto next = next_digests_after_change(preferences, now.time_since_epoch().count());
  REQUIRE(next.daily);
  CHECK(orchestra::json::rfc3339(*next.daily) == "2026-12-03T07:00:00.000Z");
  CHECK_FALSE(next.weekly);
  CHECK(orchestra::json::rfc3339(*next_digests(preferences, now.time_since_epoch().count()).daily) ==
        "2026-12-04T07:00:00.000Z");
}
