#include "digest_clock.hpp"

#include <date/tz.h>
#include <fmt/format.h>

#include <stdexcept>

namespace notifications {

struct DigestClock::Day {
  date::local_days value;
};

const date::time_zone& find_time_zone(const std::string& name) {
  try {
    return *date::locate_zone(name);
  } catch (const std::runtime_error&) {
    throw std::invalid_argument(fmt::format(
        "unknown time zone '{}'; expected an IANA name such as Europe/Warsaw", name));
  }
}

DigestClock::DigestClock(const date::time_zone& zone, int hour, std::optional<int> weekday)
    : zone_(zone), hour_(hour), weekday_(weekday) {}

// choose::earliest picks the first of a repeated hour; for an hour in a
// gap, both choices give the instant the gap ends.
SysTime DigestClock::fire_on(const Day& day) const {
  auto local = date::local_time<std::chrono::milliseconds>(day.value + std::chrono::hours(hour_));
  return zone_.to_sys(local, date::choose::earliest);
}

bool DigestClock::fires_on(const Day& day) const {
  return !weekday_ || date::weekday(day.value).c_encoding() == static_cast<unsigned>(*weekday_);
}

SysTime DigestClock::next_after(SysTime now) const {
  // A firing is never more than a day from its local date, so starting a
  // day early finds the next one within nine days.
  Day day{date::floor<date::days>(zone_.to_local(now)) - date::days(1)};
  for (int step = 0; step < 10; ++step, day.value += date::days(1)) {
    if (fires_on(day) && fire_on(day) > now) return fire_on(day);
  }
  throw std::logic_error("no digest firing within ten days");
}

SysTime DigestClock::latest_at_or_before(SysTime now) const {
  Day day{date::floor<date::days>(zone_.to_local(now)) + date::days(1)};
  for (int step = 0; step < 10; ++step, day.value -= date::days(1)) {
    if (fires_on(day) && fire_on(day) <= now) return fire_on(day);
  }
  throw std::logic_error("no digest firing within ten days");
}

std::string DigestClock::period_of(SysTime firing) const {
  // The firing's own local date, except that a firing moved past a gap at
  // midnight keeps the date it was meant for: the hour it was asked for.
  auto local = zone_.to_local(firing);
  auto day = date::floor<date::days>(local);
  if (local - day < std::chrono::hours(hour_)) day -= date::days(1);
  return date::format("%F", day);
}

}  // namespace notifications
