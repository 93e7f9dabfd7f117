#include "api_schemas.hpp"

#include <orchestra/schema.hpp>

namespace notifications::schemas {
namespace {

using namespace orchestra::schema;

const std::string kId = R"({"type":"integer","minimum":1})";
const std::string kName = R"({"type":"string","minLength":1,"maxLength":200})";
const std::string kCountry = R"({"type":"string","pattern":"^[A-Z]{2}$"})";
const std::string kStatus = R"({"enum":["scheduled","live","finished","postponed","cancelled"]})";
const std::string kLive = R"({"type":"array","items":{"enum":["start","score","end"]}})";
const std::string kHour = R"({"type":"integer","minimum":0,"maximum":23})";

std::string score(bool nullable) {
  auto goals = R"({"type":"integer","minimum":0,"maximum":1000})";
  auto object = record({{"home", goals}, {"away", goals}});
  return nullable ? R"({"oneOf":[{"type":"null"},)" + object + "]}" : object;
}

}  // namespace

std::string team() {
  return record({{"id", kInteger}, {"name", kString}, {"short_name", kString},
                 {"country", kString}, {"logo_url", kOptionalString},
                 {"created_at", kTimestamp}, {"updated_at", kTimestamp}});
}

std::string team_body(bool creating) {
  return body({{"name", kName}, {"short_name", kName}, {"country", kCountry},
               {"logo_url", R"({"type":["string","null"]})"}},
              creating ? std::vector<std::string>{"name", "short_name", "country"}
                       : std::vector<std::string>{});
}

std::string match() {
  return record({{"id", kInteger}, {"competition", kString}, {"home_team_id", kInteger},
                 {"away_team_id", kInteger}, {"starts_at", kTimestamp},
                 {"venue", kOptionalString}, {"status", kStatus}, {"score", score(true)},
                 {"version", kInteger}, {"created_at", kTimestamp}, {"updated_at", kTimestamp}});
}

std::string match_body(bool creating) {
  return body({{"competition", kName}, {"home_team_id", kId}, {"away_team_id", kId},
               {"starts_at", kTimestamp}, {"venue", R"({"type":["string","null"]})"},
               {"status", kStatus}, {"score", score(true)}},
              creating ? std::vector<std::string>{"competition", "home_team_id", "away_team_id",
                                                  "starts_at"}
                       : std::vector<std::string>{});
}

std::string preferences() {
  return record({{"time_zone", kString},
                 {"daily", record({{"enabled", kBoolean}, {"hour", kHour}})},
                 {"weekly", record({{"enabled", kBoolean},
                                    {"weekday", R"({"type":"integer","minimum":0,"maximum":6})"},
                                    {"hour", kHour}})},
                 {"reminders", R"({"type":"array","items":{"type":"integer"}})"},
                 {"live", kLive}});
}

std::string preferences_body() {
  return body({{"time_zone", kString},
               {"daily", body({{"enabled", kBoolean}, {"hour", kHour}}, {})},
               {"weekly", body({{"enabled", kBoolean},
                                {"weekday", R"({"type":"integer","minimum":0,"maximum":6})"},
                                {"hour", kHour}},
                               {})},
               {"reminders", R"({"type":"array","items":{"type":"integer","minimum":1}})"},
               {"live", kLive}},
              {});
}

std::string inbox_item() {
  return record({{"id", kInteger}, {"kind", kString}, {"title", kString},
                 {"data", R"({"type":"object"})"}, {"created_at", kTimestamp},
                 {"read_at", kOptionalTimestamp}});
}

std::string mark_read_body() {
  return body({{"ids", R"({"type":"array","maxItems":1000,"items":{"type":"integer"}})"},
               {"up_to", kInteger}},
              {});
}

std::string webhook(bool with_secret) {
  Fields fields{{"id", kString}, {"url", kString}, {"events", kStrings}, {"enabled", kBoolean},
                {"disabled_reason", kOptionalString}, {"created_at", kTimestamp}};
  if (with_secret) fields.emplace_back("secret", kString);
  return record(fields);
}

std::string webhook_body() {
  return body({{"url", R"({"type":"string","maxLength":2000})"}, {"events", kStrings}},
              {"url"});
}

std::string delivery() {
  auto attempt = record({{"attempt", kInteger}, {"started_at", kTimestamp},
                         {"duration_ms", kInteger},
                         {"status_code", R"({"type":["integer","null"]})"},
                         {"error", kOptionalString}});
  return record({{"id", kString}, {"event_type", kString}, {"status", kString},
                 {"attempts", kInteger}, {"next_attempt_at", kOptionalTimestamp},
                 {"created_at", kTimestamp}, {"payload", R"({"type":"object"})"},
                 {"history", R"({"type":"array","items":)" + attempt + "}"}});
}

}  // namespace notifications::schemas
