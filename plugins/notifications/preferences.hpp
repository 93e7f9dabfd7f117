#pragma once
// What a user wants to be told, and when. Stored per user; the defaults
// apply until the user changes them.

#include <rapidjson/document.h>

#include <string>
#include <vector>

namespace notifications {

inline constexpr int kMaxReminderMinutes = 7 * 24 * 60;

struct Preferences {
  std::string time_zone = "UTC";
  bool daily_enabled = true;
  int daily_hour = 8;
  bool weekly_enabled = true;
  int weekly_weekday = 1;  // 0 = Sunday
  int weekly_hour = 8;
  std::vector<int> reminders{60};  // minutes before kick-off, distinct, descending
  bool live_start = true;
  bool live_score = true;
  bool live_end = true;

  bool wants_live(const std::string& event) const;
  bool wants_reminder(int minutes) const;
};

// Reads a PUT body (every field optional: absent fields keep `current`);
// throws orchestra::http::HttpError 400 naming the field.
Preferences read_preferences(const std::string& body, Preferences current);
std::string preferences_json(const Preferences& preferences);

// The reminders list as stored ("[60,10]") and back.
std::string reminders_text(const std::vector<int>& reminders);
std::vector<int> parse_reminders(const std::string& text);

}  // namespace notifications
