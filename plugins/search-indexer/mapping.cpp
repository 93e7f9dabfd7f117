#include "mapping.hpp"

#include <orchestra/json.hpp>

#include <fmt/format.h>
#include <rapidjson/document.h>

#include <algorithm>

namespace search_indexer {
namespace {

using Value = rapidjson::Value;

const Value& member(const Value& object, const char* name) {
  static const Value null;
  auto it = object.FindMember(name);
  return it == object.MemberEnd() ? null : it->value;
}

std::string text(const Value& object, const char* name) {
  const auto& value = member(object, name);
  return value.IsString() ? std::string(value.GetString(), value.GetStringLength()) : "";
}

std::vector<std::string> texts(const Value& object, const char* name) {
  std::vector<std::string> out;
  const auto& value = member(object, name);
  if (!value.IsArray()) return out;
  for (const auto& item : value.GetArray()) {
    if (item.IsString()) out.emplace_back(item.GetString(), item.GetStringLength());
  }
  return out;
}

std::string joined(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& part : parts) {
    if (part.empty()) continue;
    if (!out.empty()) out += ' ';
    out += part;
  }
  return out;
}

// steam-sync.apps: an app as GET /api/v1/steam-sync/apps/{id} shows it.
void map_app(const Value& app, SearchDocument& out) {
  out.title = text(app, "name");
  if (out.title.empty()) throw TransformError("an app needs a name");
  out.body = joined({text(app, "short_description"), joined(texts(app, "developers")),
                     joined(texts(app, "publishers")), joined(texts(app, "genres")),
                     joined(texts(app, "categories"))});
  if (auto type = text(app, "type"); !type.empty()) {
    out.filters.emplace_back("type", lower_ascii(type));
  }
  for (const auto& genre : texts(app, "genres")) {
    out.filters.emplace_back("genre", lower_ascii(genre));
  }
  for (const auto& platform : texts(app, "platforms")) {
    out.filters.emplace_back("platform", lower_ascii(platform));
  }
  const auto& free = member(app, "is_free");
  if (free.IsBool()) out.filters.emplace_back("is_free", free.GetBool() ? "true" : "false");
  const auto& prices = member(app, "prices");
  if (prices.IsObject()) {
    for (const auto& price : prices.GetObject()) {
      const auto& final_price = member(price.value, "final");
      if (final_price.IsInt64()) {
        // Zero-padded, so text order is number order for price_max.
        out.filters.emplace_back(fmt::format("price:{}", price.name.GetString()),
                                 fmt::format("{:012}", final_price.GetInt64()));
      }
    }
  }
}

// notifications.teams: a team as the notifications API shows it.
void map_team(const Value& team, SearchDocument& out) {
  out.title = text(team, "name");
  if (out.title.empty()) throw TransformError("a team needs a name");
  out.body = joined({text(team, "short_name"), text(team, "country")});
  if (auto country = text(team, "country"); !country.empty()) {
    out.filters.emplace_back("country", country);
  }
}

// notifications.matches: a match with the names of its teams.
void map_match(const Value& match, SearchDocument& out) {
  auto home = text(match, "home_team"), away = text(match, "away_team");
  if (home.empty() || away.empty()) throw TransformError("a match needs home_team and away_team");
  out.title = home + " vs " + away;
  out.body = joined({text(match, "competition"), text(match, "venue")});
  for (const char* side : {"home_team_id", "away_team_id"}) {
    const auto& id = member(match, side);
    if (id.IsInt64()) out.filters.emplace_back("team", std::to_string(id.GetInt64()));
  }
  if (auto starts = text(match, "starts_at"); !starts.empty()) {
    out.filters.emplace_back("starts_at", starts);
  }
  if (auto status = text(match, "status"); !status.empty()) {
    out.filters.emplace_back("status", status);
  }
}

}  // namespace

std::string lower_ascii(std::string value) {
  std::transform(value.begin(), value.end(), value.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return value;
}

const std::vector<std::string>& known_sources() {
  static const std::vector<std::string> sources{"steam-sync.apps", "notifications.teams",
                                                "notifications.matches"};
  return sources;
}

bool is_known_source(const std::string& source) {
  const auto& sources = known_sources();
  return std::find(sources.begin(), sources.end(), source) != sources.end();
}

SearchDocument transform(const std::string& source, const std::string& key,
                         const std::string& json) {
  rapidjson::Document document;
  document.Parse(json.c_str(), json.size());
  if (document.HasParseError() || !document.IsObject()) {
    throw TransformError("the document is not a JSON object");
  }
  SearchDocument out{source, key, {}, {}, json, {}};
  if (source == "steam-sync.apps") {
    map_app(document, out);
  } else if (source == "notifications.teams") {
    map_team(document, out);
  } else if (source == "notifications.matches") {
    map_match(document, out);
  } else {
    throw TransformError(fmt::format("no mapping for source {}", source));
  }
  return out;
}

}  // namespace search_indexer
