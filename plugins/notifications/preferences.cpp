#include "preferences.hpp"

#include "digest_clock.hpp"

#include <orchestra/json.hpp>

#include <fmt/format.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>

namespace notifications {
namespace {

using orchestra::http::HttpError;
using orchestra::json::ObjectReader;

constexpr const char* kLiveEvents[] = {"start", "score", "end"};

int bounded(const ObjectReader& reader, const char* field, int current, int min, int max,
            const std::string& path) {
  auto value = reader.optional<std::int64_t>(field);
  if (!value) return current;
  if (*value < min || *value > max) {
    throw HttpError(400, fmt::format("{}{} must be an integer from {} to {}", path, field, min, max));
  }
  return static_cast<int>(*value);
}

void read_reminders(const ObjectReader& reader, Preferences& out) {
  auto minutes = reader.optional<std::vector<std::int64_t>>("reminders");
  if (!minutes) return;
  if (minutes->size() > 5) throw HttpError(400, "reminders takes at most 5 offsets");
  out.reminders.clear();
  for (auto value : *minutes) {
    if (value < 1 || value > kMaxReminderMinutes) {
      throw HttpError(400, fmt::format("reminders: {} is not a number of minutes from 1 to {}",
                                       value, kMaxReminderMinutes));
    }
    out.reminders.push_back(static_cast<int>(value));
  }
  std::sort(out.reminders.rbegin(), out.reminders.rend());
  out.reminders.erase(std::unique(out.reminders.begin(), out.reminders.end()),
                      out.reminders.end());
}

void read_live(const ObjectReader& reader, Preferences& out) {
  auto events = reader.optional<std::vector<std::string>>("live");
  if (!events) return;
  for (const auto& event : *events) {
    if (std::find(std::begin(kLiveEvents), std::end(kLiveEvents), event) == std::end(kLiveEvents)) {
      throw HttpError(400, fmt::format("live: unknown event '{}'; expected start, score or end",
                                       event));
    }
  }
  auto has = [&](const char* name) {
    return std::find(events->begin(), events->end(), name) != events->end();
  };
  out.live_start = has("start");
  out.live_score = has("score");
  out.live_end = has("end");
}

}  // namespace

bool Preferences::wants_live(const std::string& event) const {
  return (event == "start" && live_start) || (event == "score" && live_score) ||
         (event == "end" && live_end);
}

bool Preferences::wants_reminder(int minutes) const {
  return std::find(reminders.begin(), reminders.end(), minutes) != reminders.end();
}

Preferences read_preferences(const std::string& body, Preferences current) {
  auto document = orchestra::json::parse_object(body);
  ObjectReader reader(document);
  reader.only({"time_zone", "daily", "weekly", "reminders", "live"});
  if (auto zone = reader.optional<std::string>("time_zone")) {
    try {
      find_time_zone(*zone);
    } catch (const std::invalid_argument& error) {
      throw HttpError(400, fmt::format("time_zone: {}", error.what()));
    }
    current.time_zone = *zone;
  }
  if (document.HasMember("daily")) {
    auto daily = reader.object("daily");
    daily.only({"enabled", "hour"});
    current.daily_enabled = daily.optional<bool>("enabled").value_or(current.daily_enabled);
    current.daily_hour = bounded(daily, "hour", current.daily_hour, 0, 23, "daily.");
  }
  if (document.HasMember("weekly")) {
    auto weekly = reader.object("weekly");
    weekly.only({"enabled", "weekday", "hour"});
    current.weekly_enabled = weekly.optional<bool>("enabled").value_or(current.weekly_enabled);
    current.weekly_weekday =
        bounded(weekly, "weekday", current.weekly_weekday, 0, 6, "weekly.");
    current.weekly_hour = bounded(weekly, "hour", current.weekly_hour, 0, 23, "weekly.");
  }
  read_reminders(reader, current);
  read_live(reader, current);
  return current;
}

std::string preferences_json(const Preferences& p) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> out(buffer);
  out.StartObject();
  out.Key("time_zone");
  out.String(p.time_zone);
  out.Key("daily");
  out.StartObject();
  out.Key("enabled");
  out.Bool(p.daily_enabled);
  out.Key("hour");
  out.Int(p.daily_hour);
  out.EndObject();
  out.Key("weekly");
  out.StartObject();
  out.Key("enabled");
  out.Bool(p.weekly_enabled);
  out.Key("weekday");
  out.Int(p.weekly_weekday);
  out.Key("hour");
  out.Int(p.weekly_hour);
  out.EndObject();
  out.Key("reminders");
  out.StartArray();
  for (int minutes : p.reminders) out.Int(minutes);
  out.EndArray();
  out.Key("live");
  out.StartArray();
  for (const char* event : kLiveEvents) {
    if (p.wants_live(event)) out.String(event);
  }
  out.EndArray();
  out.EndObject();
  return buffer.GetString();
}

std::string reminders_text(const std::vector<int>& reminders) {
  std::string out = "[";
  for (std::size_t i = 0; i < reminders.size(); ++i) {
    out += fmt::format("{}{}", i ? "," : "", reminders[i]);
  }
  return out + "]";
}

std::vector<int> parse_reminders(const std::string& text) {
  rapidjson::Document document;
  document.Parse(text.c_str());
  std::vector<int> out;
  if (!document.IsArray()) return out;
  for (const auto& item : document.GetArray()) {
    if (item.IsInt()) out.push_back(item.GetInt());
  }
  return out;
}

}  // namespace notifications
