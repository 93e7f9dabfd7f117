#pragma once
// Cron expressions: five fields (minute hour day-of-month month
// day-of-week) or six with seconds first; `*`, ranges `a-b`, lists `a,b`,
// steps `*/n` and `a-b/n`, month and weekday names, and the macros
// @yearly @monthly @weekly @daily @hourly. When both day fields are
// restricted a day matching either runs (the classic cron rule).

#include <bitset>
#include <chrono>
#include <optional>
#include <string>

namespace orchestra::tasks {

class CronSchedule {
 public:
  // Throws std::invalid_argument naming the field and the problem.
  static CronSchedule parse(const std::string& spec);

  // The first fire time strictly after `after`, in the process's local
  // time zone (the worker sets TZ from worker.time_zone); nullopt when
  // nothing matches within five years (e.g. "0 0 30 2 *").
  std::optional<std::chrono::system_clock::time_point> next_after(
      std::chrono::system_clock::time_point after) const;

 private:
  std::bitset<60> seconds_;
  std::bitset<60> minutes_;
  std::bitset<24> hours_;
  std::bitset<32> days_;
  std::bitset<13> months_;
  std::bitset<7> weekdays_;
  bool days_restricted_ = false;
  bool weekdays_restricted_ = false;

  bool day_matches(int day_of_month, int weekday) const;
};

}  // namespace orchestra::tasks
