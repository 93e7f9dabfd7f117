#pragma once
// When a user's digests are due, computed in the user's IANA time zone
// with the system's time-zone database (never the process-wide TZ).
//
// A digest fires at the start of its local hour on its local day. An hour
// that does not exist that day (spring forward) fires at the first instant
// after the gap; an hour that happens twice (fall back) fires at its first
// occurrence. Each firing belongs to one period, named by its local date,
// so a repeated hour can never make a second one.

#include <chrono>
#include <optional>
#include <string>

namespace date {
class time_zone;
}

namespace notifications {

using SysTime = std::chrono::sys_time<std::chrono::milliseconds>;

// Throws std::invalid_argument naming the zone when it is not in the
// time-zone database.
const date::time_zone& find_time_zone(const std::string& name);

class DigestClock {
 public:
  // A daily digest when `weekday` is empty; otherwise weekly on that day
  // (0 = Sunday ... 6 = Saturday).
  DigestClock(const date::time_zone& zone, int hour, std::optional<int> weekday = std::nullopt);

  // The first firing strictly after `now`.
  SysTime next_after(SysTime now) const;
  // The last firing at or before `now`.
  SysTime latest_at_or_before(SysTime now) const;
  // The period a firing belongs to: its local date, "2026-03-29".
  std::string period_of(SysTime firing) const;

 private:
  struct Day;
  SysTime fire_on(const Day& day) const;
  bool fires_on(const Day& day) const;

  const date::time_zone& zone_;
  int hour_;
  std::optional<int> weekday_;
};

}  // namespace notifications
