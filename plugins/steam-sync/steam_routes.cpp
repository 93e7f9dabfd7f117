#include "steam_routes.hpp"

#include "app_json.hpp"

#include <orchestra/text.hpp>
#include "fetch_request.hpp"

#include <orchestra/clock.hpp>
#include <orchestra/json.hpp>
#include <orchestra/json_writer.hpp>
#include <orchestra/schema.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <ctime>
#include <limits>
#include <set>

namespace steam_sync {
namespace {

using orchestra::http::Access;
using orchestra::http::Execution;
using orchestra::http::HttpError;
using orchestra::http::Method;
using orchestra::json::quote;

std::optional<std::int64_t> parse_integer(std::string_view text) {
  std::int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// Unix seconds, or RFC 3339 ("2026-11-30T12:00:00Z", "...+01:00"); Unix ms.
std::optional<std::int64_t> parse_timestamp(const std::string& text) {
  // Years 0 to 9999, in seconds.
  constexpr std::int64_t kLimit = 253'402'300'799;
  if (auto seconds = parse_integer(text)) {
    if (*seconds < -kLimit || *seconds > kLimit) return std::nullopt;
    return *seconds * 1000;
  }
  return orchestra::text::parse_rfc3339(text);
}

std::string country_code(std::string text, const std::string& field) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  if (!orchestra::text::is_country_code(text)) {
    throw HttpError(400, fmt::format("'{}': {} is not an ISO 3166-1 alpha-2 country code "
                                     "(e.g. \"US\", \"GB\")",
                                     field, quote(text)));
  }
  return text;
}

std::int64_t app_id_value(std::int64_t id, const std::string& field) {
  if (id <= 0) throw HttpError(400, fmt::format("'{}': app ids are positive integers", field));
  return id;
}

// Keeps the first of each, in order.
template <typename T>
std::vector<T> distinct(const std::vector<T>& items) {
  std::set<T> seen;
  std::vector<T> out;
  for (const auto& item : items) {
    if (seen.insert(item).second) out.push_back(item);
  }
  return out;
}

}  // namespace

SteamRoutes::SteamRoutes(orchestra::Host& host, const std::unique_ptr<AppStore>& store,
                         const Settings& settings)
    : host_(host), store_(store), settings_(settings) {}

SteamRoutes::Response SteamRoutes::accepted(const std::string& task_id) {
  auto location = "/api/v1/tasks/" + task_id;
  orchestra::json::Writer out;
  out.object().field("task_id", task_id).field("status_url", location).end_object();
  auto response = Response::json(202, out.str());
  response.headers.emplace_back("Location", location);
  return response;
}

SteamRoutes::Response SteamRoutes::refresh_app_list(const Request& request) {
  if (!request.body.empty()) {
    auto document = orchestra::json::parse_object(request.body);
    orchestra::json::ObjectReader(document).only({});
  }
  orchestra::tasks::NewTask task;
  task.type = kRefreshType;
  task.priority = orchestra::tasks::kUserPriority;
  task.owner = request.caller().subject;
  return accepted(host_.tasks().enqueue(std::move(task)));
}

SteamRoutes::Response SteamRoutes::fetch_app(const Request& request) {
  auto document = orchestra::json::parse_object(request.body);
  orchestra::json::ObjectReader body(document);
  body.only({"app_id", "country"});
  auto id = app_id_value(body.require<std::int64_t>("app_id"), "app_id");
  auto country = body.optional<std::string>("country");
  auto countries = country ? std::vector<std::string>{country_code(*country, "country")}
                           : settings_.countries;
  return queue_fetch(request, {id}, std::move(countries));
}

SteamRoutes::Response SteamRoutes::fetch_apps(const Request& request) {
  auto document = orchestra::json::parse_object(request.body);
  orchestra::json::ObjectReader body(document);
  body.only({"app_ids", "countries"});
  auto ids = distinct(body.require<std::vector<std::int64_t>>("app_ids"));
  if (ids.empty() || static_cast<int>(ids.size()) > settings_.max_app_ids) {
    throw HttpError(400, fmt::format("'app_ids' must list 1 to {} apps", settings_.max_app_ids));
  }
  for (auto id : ids) app_id_value(id, "app_ids");
  auto countries = settings_.countries;
  if (auto given = body.optional<std::vector<std::string>>("countries")) {
    countries.clear();
    for (const auto& country : *given) countries.push_back(country_code(country, "countries"));
    countries = distinct(countries);
  }
  if (countries.empty() || static_cast<int>(countries.size()) > settings_.max_countries) {
    throw HttpError(400, fmt::format("'countries' must list 1 to {} countries",
                                     settings_.max_countries));
  }
  return queue_fetch(request, std::move(ids), std::move(countries));
}

SteamRoutes::Response SteamRoutes::queue_fetch(const Request& request,
                                               std::vector<std::int64_t> ids,
                                               std::vector<std::string> countries) {
  auto known = store_->known(ids);
  if (known.size() != ids.size()) {
    std::set<std::int64_t> listed(known.begin(), known.end());
    std::vector<std::int64_t> unknown;
    for (auto id : ids) {
      if (!listed.count(id) && unknown.size() < 10) unknown.push_back(id);
    }
    throw HttpError(404, fmt::format("not in the app list: {}{} (refresh the app list first)",
                                     fmt::join(unknown, ", "),
                                     ids.size() - known.size() > unknown.size() ? ", ..." : ""));
  }
  orchestra::tasks::NewTask task;
  task.type = kFetchType;
  task.payload = to_payload({std::move(ids), std::move(countries), {}});
  task.priority = orchestra::tasks::kUserPriority;
  task.owner = request.caller().subject;
  return accepted(host_.tasks().enqueue(std::move(task)));
}

SteamRoutes::Response SteamRoutes::list_apps(const Request& request) {
  AppQuery query;
  query.limit = static_cast<int>(request.query_int("limit", 100, 1, 1000));
  query.after = request.query_int("cursor", 0, 0, std::numeric_limits<std::int64_t>::max());
  if (auto since = request.query_param("updated_since")) {
    query.updated_since = parse_timestamp(*since);
    if (!query.updated_since) {
      throw HttpError(400, "query parameter 'updated_since' must be an RFC 3339 time "
                           "(2026-11-30T12:00:00Z) or Unix seconds");
    }
  }
  query.type = request.query_param("type");
  auto apps = store_->list(query);
  orchestra::json::Writer out;
  out.object().key("items").array();
  for (const auto& app : apps) out.raw(app_json(app));
  out.end_array().field("next_cursor", static_cast<int>(apps.size()) == query.limit
                                           ? std::optional(std::to_string(apps.back().id))
                                           : std::nullopt);
  return Response::json(200, out.end_object().str());
}

SteamRoutes::Response SteamRoutes::get_app(const Request& request) {
  const auto& text = request.path_param("id");
  auto id = parse_integer(text);
  if (!id || *id <= 0) throw HttpError(400, fmt::format("{} is not an app id", quote(text)));
  auto app = store_->find(*id);
  if (!app) throw HttpError(404, fmt::format("no app {} in the app list", *id));
  return Response::json(200, app_json(*app));
}

SteamRoutes::Response SteamRoutes::stats(const Request&) {
  return Response::json(200, stats_json(store_->stats(orchestra::unix_ms()),
                                        host_.http_client().budget(settings_.endpoints.store_url)));
}

void SteamRoutes::add(orchestra::http::Routes& routes) {
  using namespace orchestra::schema;
  auto route = [&](Method method, const char* path, const char* summary, Access access,
                   Response (SteamRoutes::*handler)(const Request&), std::string request,
                   std::map<int, std::string> responses,
                   std::vector<orchestra::http::QueryParameter> query = {}) {
    routes.add(method, path, [this, handler](const Request& r) { return (this->*handler)(r); },
               {summary, Execution::blocking, std::move(access), std::move(request),
                std::move(responses), std::move(query)});
  };
  auto accepted = record({{"task_id", kString}, {"status_url", kString}});
  auto app_id = R"({"type":"integer","minimum":1})";
  auto country = R"({"type":"string","pattern":"^[A-Za-z]{2}$"})";
  auto maybe_text = kOptionalString;
  auto maybe_flag = R"({"type":["boolean","null"]})";
  auto price = record({{"currency", kString}, {"initial", kInteger}, {"final", kInteger},
                       {"discount_percent", kInteger}, {"fetched_at", kTimestamp}});
  auto app = record(
      {{"app_id", kInteger}, {"name", kString}, {"last_updated", kTimestamp},
       {"fetch_status", kString}, {"type", maybe_text}, {"is_free", maybe_flag},
       {"short_description", maybe_text}, {"developers", kStrings}, {"publishers", kStrings},
       {"genres", kStrings}, {"categories", kStrings},
       {"release_date", record({{"date", maybe_text}, {"coming_soon", maybe_flag}})},
       {"platforms", kStrings},
       {"prices", R"({"type":"object","additionalProperties":)" + price + "}"},
       {"data_problems", kStrings}, {"details_fetched_at", kOptionalTimestamp}});
  auto budget = record({{"host", kString}, {"requests", R"({"type":"number"})"},
                        {"per_seconds", R"({"type":"number"})"},
                        {"burst_available", R"({"type":"number"})"}});
  auto stats = record({{"apps_total", kInteger}, {"never_fetched", kInteger},
                       {"fetched_last_24h", kInteger}, {"unavailable", kInteger},
                       {"leased", kInteger}, {"oldest_last_updated", kOptionalTimestamp},
                       {"request_budget", R"({"oneOf":[{"type":"null"},)" + budget + "]}"}});
  auto tasks = Access::scope(settings_.task_scope);
  route(Method::post, "/tasks/refresh-app-list", "Queue a refresh of the app list", tasks,
        &SteamRoutes::refresh_app_list, body({}, {}), {{202, accepted}});
  route(Method::post, "/tasks/fetch-app", "Queue a fetch of one app {app_id, country}", tasks,
        &SteamRoutes::fetch_app, body({{"app_id", app_id}, {"country", country}}, {"app_id"}),
        {{202, accepted}});
  route(Method::post, "/tasks/fetch-apps", "Queue a fetch of apps {app_ids, countries}", tasks,
        &SteamRoutes::fetch_apps,
        body({{"app_ids", std::string(R"({"type":"array","minItems":1,"items":)") + app_id + "}"},
              {"countries", std::string(R"({"type":"array","items":)") + country + "}"}},
             {"app_ids"}),
        {{202, accepted}});
  auto reader = Access::authenticated();
  route(Method::get, "/apps", "Apps by id; updated_since, type, cursor, limit", reader,
        &SteamRoutes::list_apps, {}, {{200, list_of(app)}},
        {{"updated_since", kString, "RFC 3339 time or Unix seconds"},
         {"type", kString, "only apps of this type (game, dlc, ...)"},
         {"limit", limit_schema(1000), "page size (default 100)"},
         {"cursor", kString, "next_cursor of the previous page"}});
  route(Method::get, "/apps/{id}", "One app with its prices per country", reader,
        &SteamRoutes::get_app, {}, {{200, app}}, {{"id", app_id, "Steam's app id"}});
  route(Method::get, "/stats", "Catalogue freshness and the request budget left", reader,
        &SteamRoutes::stats, {}, {{200, stats}});
}

}  // namespace steam_sync
