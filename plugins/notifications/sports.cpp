#include "sports.hpp"

#include <orchestra/http.hpp>
#include <orchestra/json.hpp>
#include <orchestra/text.hpp>

#include <fmt/format.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>

namespace notifications {
namespace {

using orchestra::http::HttpError;
using orchestra::json::ObjectReader;
using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

constexpr const char* kStatuses[] = {"scheduled", "live", "finished", "postponed", "cancelled"};

std::string text_field(const ObjectReader& reader, const char* field, std::string current,
                       bool required, std::size_t max_length) {
  auto value = required ? std::optional(reader.require<std::string>(field))
                        : reader.optional<std::string>(field);
  if (!value) return current;
  if (value->empty() || value->size() > max_length) {
    throw HttpError(400, fmt::format("{} must be 1 to {} characters long", field, max_length));
  }
  return *value;
}

// Absent: unchanged; null: cleared.
std::optional<std::string> nullable_text(const rapidjson::Document& document, const char* field,
                                         std::optional<std::string> current,
                                         std::size_t max_length) {
  if (!document.HasMember(field)) return current;
  const auto& value = document[field];
  if (value.IsNull()) return std::nullopt;
  if (!value.IsString() || value.GetStringLength() == 0 || value.GetStringLength() > max_length) {
    throw HttpError(400, fmt::format("{} must be null or a string of 1 to {} characters", field,
                                     max_length));
  }
  return std::string(value.GetString(), value.GetStringLength());
}

std::int64_t timestamp_field(const ObjectReader& reader, const char* field,
                             std::int64_t current, bool required) {
  auto text = required ? std::optional(reader.require<std::string>(field))
                       : reader.optional<std::string>(field);
  if (!text) return current;
  auto parsed = orchestra::text::parse_rfc3339(*text);
  if (!parsed) {
    throw HttpError(400, fmt::format("{} must be an RFC 3339 timestamp with a time zone, "
                                     "e.g. 2026-12-05T18:30:00Z",
                                     field));
  }
  return *parsed;
}

std::optional<Score> read_score(const rapidjson::Document& document,
                                std::optional<Score> current) {
  if (!document.HasMember("score")) return current;
  if (document["score"].IsNull()) return std::nullopt;
  ObjectReader score(document, "");
  auto object = score.object("score");
  object.only({"home", "away"});
  auto goals = [&](const char* side) {
    auto value = object.require<std::int64_t>(side);
    if (value < 0 || value > 1000) {
      throw HttpError(400, fmt::format("score.{} must be an integer from 0 to 1000", side));
    }
    return static_cast<int>(value);
  };
  return Score{goals("home"), goals("away")};
}

void optional_string(Writer& out, const char* key, const std::optional<std::string>& value) {
  out.Key(key);
  if (value) {
    out.String(*value);
  } else {
    out.Null();
  }
}

void timestamp(Writer& out, const char* key, std::int64_t unix_ms) {
  out.Key(key);
  out.String(orchestra::json::rfc3339(unix_ms));
}

}  // namespace

bool is_match_status(const std::string& status) {
  return std::find(std::begin(kStatuses), std::end(kStatuses), status) != std::end(kStatuses);
}

Team read_team(const std::string& body, Team base, bool creating) {
  auto document = orchestra::json::parse_object(body);
  ObjectReader reader(document);
  reader.only({"name", "short_name", "country", "logo_url"});
  base.name = text_field(reader, "name", base.name, creating, 200);
  base.short_name = text_field(reader, "short_name", base.short_name, creating, 20);
  if (auto country = reader.optional<std::string>("country"); country || creating) {
    auto code = country.value_or(reader.require<std::string>("country"));
    if (!orchestra::text::is_country_code(code)) {
      throw HttpError(400, fmt::format("country: {} is not an ISO 3166-1 alpha-2 code such as "
                                       "\"PL\" or \"GB\"",
                                       orchestra::json::quote(code)));
    }
    base.country = code;
  }
  base.logo_url = nullable_text(document, "logo_url", base.logo_url, 2000);
  if (base.logo_url && base.logo_url->rfind("https://", 0) != 0 &&
      base.logo_url->rfind("http://", 0) != 0) {
    throw HttpError(400, "logo_url must be an http or https URL");
  }
  return base;
}

Match read_match(const std::string& body, Match base, bool creating) {
  auto document = orchestra::json::parse_object(body);
  ObjectReader reader(document);
  reader.only({"competition", "home_team_id", "away_team_id", "starts_at", "venue", "status",
               "score"});
  base.competition = text_field(reader, "competition", base.competition, creating, 200);
  auto team = [&](const char* field, std::int64_t current) {
    auto value = creating ? std::optional(reader.require<std::int64_t>(field))
                          : reader.optional<std::int64_t>(field);
    if (value && *value <= 0) throw HttpError(400, fmt::format("{} must be a team id", field));
    return value.value_or(current);
  };
  base.home_team_id = team("home_team_id", base.home_team_id);
  base.away_team_id = team("away_team_id", base.away_team_id);
  if (base.home_team_id == base.away_team_id) {
    throw HttpError(400, "home_team_id and away_team_id must be different teams");
  }
  base.starts_at = timestamp_field(reader, "starts_at", base.starts_at, creating);
  base.venue = nullable_text(document, "venue", base.venue, 200);
  if (auto status = reader.optional<std::string>("status")) {
    if (!is_match_status(*status)) {
      throw HttpError(400, fmt::format("status must be one of scheduled, live, finished, "
                                       "postponed, cancelled; got {}",
                                       orchestra::json::quote(*status)));
    }
    base.status = *status;
  }
  base.score = read_score(document, base.score);
  return base;
}

std::string team_json(const Team& team) {
  rapidjson::StringBuffer buffer;
  Writer out(buffer);
  out.StartObject();
  out.Key("id");
  out.Int64(team.id);
  out.Key("name");
  out.String(team.name);
  out.Key("short_name");
  out.String(team.short_name);
  out.Key("country");
  out.String(team.country);
  optional_string(out, "logo_url", team.logo_url);
  timestamp(out, "created_at", team.created_at);
  timestamp(out, "updated_at", team.updated_at);
  out.EndObject();
  return buffer.GetString();
}

std::string match_json(const Match& match) {
  rapidjson::StringBuffer buffer;
  Writer out(buffer);
  out.StartObject();
  out.Key("id");
  out.Int64(match.id);
  out.Key("competition");
  out.String(match.competition);
  out.Key("home_team_id");
  out.Int64(match.home_team_id);
  out.Key("away_team_id");
  out.Int64(match.away_team_id);
  timestamp(out, "starts_at", match.starts_at);
  optional_string(out, "venue", match.venue);
  out.Key("status");
  out.String(match.status);
  out.Key("score");
  if (match.score) {
    out.StartObject();
    out.Key("home");
    out.Int(match.score->home);
    out.Key("away");
    out.Int(match.score->away);
    out.EndObject();
  } else {
    out.Null();
  }
  out.Key("version");
  out.Int(match.version);
  timestamp(out, "created_at", match.created_at);
  timestamp(out, "updated_at", match.updated_at);
  out.EndObject();
  return buffer.GetString();
}

std::vector<std::string> live_changes(const Match& before, const Match& after) {
  std::vector<std::string> changes;
  if (after.status == "live" && before.status != "live" && before.status != "finished") {
    changes.emplace_back("start");
  }
  bool playing = after.status == "live" || after.status == "finished";
  if (playing && after.score && after.score != before.score) changes.emplace_back("score");
  if (after.status == "finished" && before.status != "finished") changes.emplace_back("end");
  return changes;
}

}  // namespace notifications
