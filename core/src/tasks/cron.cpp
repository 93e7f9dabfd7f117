#include "tasks/cron.hpp"

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <ctime>
#include <sstream>
#include <stdexcept>
#include <strings.h>
#include <vector>

namespace orchestra::tasks {
namespace {

constexpr std::array<const char*, 12> kMonths{"jan", "feb", "mar", "apr", "may", "jun",
                                              "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr std::array<const char*, 8> kWeekdays{"sun", "mon", "tue", "wed",
                                               "thu", "fri", "sat", "sun"};

struct Field {
  const char* name;
  int min;
  int max;
  const char* const* names;  // names[i] means min + i
  std::size_t name_count;
};

int parse_value(const std::string& text, const Field& field) {
  for (std::size_t i = 0; i < field.name_count; ++i) {
    if (text.size() == 3 && strncasecmp(text.c_str(), field.names[i], 3) == 0) {
      return field.min + static_cast<int>(i);
    }
  }
  int value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size()) {
    throw std::invalid_argument(fmt::format("{} field: '{}' is not a value", field.name, text));
  }
  if (value < field.min || value > field.max) {
    throw std::invalid_argument(fmt::format("{} field: {} is outside {}-{}", field.name, value,
                                            field.min, field.max));
  }
  return value;
}

// Returns the set of values of one field and whether it was restricted
// (anything but '*').
template <std::size_t N>
bool parse_field(const std::string& text, const Field& field, std::bitset<N>& bits) {
  std::stringstream parts(text);
  std::string part;
  bool restricted = false;
  while (std::getline(parts, part, ',')) {
    if (part.empty()) throw std::invalid_argument(fmt::format("{} field: empty list item", field.name));
    int step = 1;
    if (auto slash = part.find('/'); slash != std::string::npos) {
      auto step_text = part.substr(slash + 1);
      auto [end, error] = std::from_chars(step_text.data(), step_text.data() + step_text.size(), step);
      if (error != std::errc{} || end != step_text.data() + step_text.size() || step < 1) {
        throw std::invalid_argument(fmt::format("{} field: bad step '{}'", field.name, step_text));
      }
      part = part.substr(0, slash);
    }
    int low = field.min;
    int high = field.max;
    if (part == "*") {
      restricted = restricted || step != 1;
    } else {
      restricted = true;
      auto dash = part.find('-');
      low = parse_value(part.substr(0, dash), field);
      high = dash == std::string::npos ? (step == 1 ? low : field.max)
                                       : parse_value(part.substr(dash + 1), field);
      if (high < low) {
        throw std::invalid_argument(fmt::format("{} field: range {} is backwards", field.name, part));
      }
    }
    for (int value = low; value <= high; value += step) bits.set(static_cast<std::size_t>(value));
  }
  return restricted;
}

std::string expand_macro(const std::string& spec) {
  if (spec == "@yearly" || spec == "@annually") return "0 0 1 1 *";
  if (spec == "@monthly") return "0 0 1 * *";
  if (spec == "@weekly") return "0 0 * * 0";
  if (spec == "@daily" || spec == "@midnight") return "0 0 * * *";
  if (spec == "@hourly") return "0 * * * *";
  if (!spec.empty() && spec.front() == '@') {
    throw std::invalid_argument("unknown macro '" + spec + "'");
  }
  return spec;
}

}  // namespace

CronSchedule CronSchedule::parse(const std::string& spec) {
  std::stringstream stream(expand_macro(spec));
  std::vector<std::string> fields;
  for (std::string field; stream >> field;) fields.push_back(field);
  if (fields.size() == 5) fields.insert(fields.begin(), "0");
  if (fields.size() != 6) {
    throw std::invalid_argument(
        fmt::format("expected 5 fields (or 6 with seconds), got {}", fields.size()));
  }
  CronSchedule schedule;
  parse_field(fields[0], {"second", 0, 59, nullptr, 0}, schedule.seconds_);
  parse_field(fields[1], {"minute", 0, 59, nullptr, 0}, schedule.minutes_);
  parse_field(fields[2], {"hour", 0, 23, nullptr, 0}, schedule.hours_);
  schedule.days_restricted_ =
      parse_field(fields[3], {"day-of-month", 1, 31, nullptr, 0}, schedule.days_);
  parse_field(fields[4], {"month", 1, 12, kMonths.data(), kMonths.size()}, schedule.months_);
  std::bitset<8> weekdays;
  schedule.weekdays_restricted_ =
      parse_field(fields[5], {"day-of-week", 0, 7, kWeekdays.data(), kWeekdays.size()}, weekdays);
  if (weekdays.test(7)) weekdays.set(0);
  for (std::size_t i = 0; i < 7; ++i) schedule.weekdays_[i] = weekdays[i];
  return schedule;
}

bool CronSchedule::day_matches(int day_of_month, int weekday) const {
  bool day = days_.test(static_cast<std::size_t>(day_of_month));
  bool week = weekdays_.test(static_cast<std::size_t>(weekday));
  if (days_restricted_ && weekdays_restricted_) return day || week;
  return day && week;
}

std::optional<std::chrono::system_clock::time_point> CronSchedule::next_after(
    std::chrono::system_clock::time_point after) const {
  auto start = std::chrono::system_clock::to_time_t(after) + 1;
  std::tm t{};
  localtime_r(&start, &t);
  const int limit_year = t.tm_year + 5;
  // Each step moves to the start of the next candidate unit; mktime
  // normalises overflowing fields (and daylight-saving gaps).
  auto normalise = [&t] {
    t.tm_isdst = -1;
    auto time = mktime(&t);
    localtime_r(&time, &t);
    return time;
  };
  while (t.tm_year <= limit_year) {
    if (!months_.test(static_cast<std::size_t>(t.tm_mon + 1))) {
      t.tm_mon += 1, t.tm_mday = 1, t.tm_hour = 0, t.tm_min = 0, t.tm_sec = 0;
    } else if (!day_matches(t.tm_mday, t.tm_wday)) {
      t.tm_mday += 1, t.tm_hour = 0, t.tm_min = 0, t.tm_sec = 0;
    } else if (!hours_.test(static_cast<std::size_t>(t.tm_hour))) {
      t.tm_hour += 1, t.tm_min = 0, t.tm_sec = 0;
    } else if (!minutes_.test(static_cast<std::size_t>(t.tm_min))) {
      t.tm_min += 1, t.tm_sec = 0;
    } else if (!seconds_.test(static_cast<std::size_t>(t.tm_sec))) {
      t.tm_sec += 1;
    } else {
      return std::chrono::system_clock::from_time_t(normalise());
    }
    normalise();
  }
  return std::nullopt;
}

}  // namespace orchestra::tasks
