#include "search_routes.hpp"

#include "mapping.hpp"

#include <orchestra/clock.hpp>
#include <orchestra/json.hpp>
#include <orchestra/json_writer.hpp>
#include <orchestra/schema.hpp>
#include <orchestra/text.hpp>

#include <fmt/format.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <charconv>
#include <sstream>

namespace search_indexer {
namespace {

using orchestra::http::Access;
using orchestra::http::HttpError;
using orchestra::http::Method;
using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

std::vector<std::string> comma_list(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream stream(text);
  std::string item;
  while (std::getline(stream, item, ',')) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

void equal_filter(const orchestra::http::Request& request, const char* parameter,
                  const char* name, SearchRequest& out) {
  auto value = request.query_param(parameter);
  if (!value) return;
  auto values = comma_list(lower_ascii(*value));
  if (values.empty() || !is_clean_text(*value)) {
    throw HttpError(400, fmt::format("query parameter '{}' takes a comma list of values",
                                     parameter));
  }
  out.filters.push_back(FilterCondition{name, std::move(values), {}, {}});
}

void app_filters(const orchestra::http::Request& request, SearchRequest& out) {
  equal_filter(request, "type", "type", out);
  equal_filter(request, "genre", "genre", out);
  equal_filter(request, "platform", "platform", out);
  if (auto free = request.query_param("is_free")) {
    if (*free != "true" && *free != "false") {
      throw HttpError(400, "query parameter 'is_free' must be true or false");
    }
    out.filters.push_back(FilterCondition{"is_free", {*free}, {}, {}});
  }
  if (auto price = request.query_param("price_max")) {
    auto country = request.query_param("country");
    if (!country || !orchestra::text::is_country_code(*country)) {
      throw HttpError(400, "price_max needs country, an ISO 3166-1 alpha-2 code such as US");
    }
    std::int64_t cents = -1;
    auto [end, error] = std::from_chars(price->data(), price->data() + price->size(), cents);
    if (error != std::errc{} || end != price->data() + price->size() || cents < 0) {
      throw HttpError(400, "query parameter 'price_max' must be a price in cents, e.g. 1999");
    }
    out.filters.push_back(
        FilterCondition{"price:" + *country, {}, std::nullopt, fmt::format("{:012}", cents)});
  }
}

void match_filters(const orchestra::http::Request& request, SearchRequest& out) {
  equal_filter(request, "team", "team", out);
  auto bound = [&](const char* parameter) -> std::optional<std::string> {
    auto text = request.query_param(parameter);
    if (!text) return std::nullopt;
    auto ms = orchestra::text::parse_rfc3339(*text);
    if (!ms) {
      throw HttpError(400, fmt::format("query parameter '{}' must be an RFC 3339 timestamp",
                                       parameter));
    }
    return orchestra::json::rfc3339(*ms);  // the stored form, which sorts as text
  };
  auto from = bound("from"), to = bound("to");
  if (from || to) out.filters.push_back(FilterCondition{"starts_at", {}, from, to});
}

void reindex_json(Writer& out, const ReindexStatus& status) {
  out.StartObject();
  out.Key("source");
  out.String(status.source);
  out.Key("state");
  out.String(status.state);
  out.Key("position");
  out.String(status.position);
  out.Key("built");
  out.Int64(status.built);
  out.Key("requested_at");
  out.String(orchestra::json::rfc3339(status.requested_at));
  out.Key("finished_at");
  if (status.finished_at) {
    out.String(orchestra::json::rfc3339(*status.finished_at));
  } else {
    out.Null();
  }
  out.Key("error");
  if (status.error) {
    out.String(*status.error);
  } else {
    out.Null();
  }
  out.EndObject();
}

void hit_json(Writer& out, const Hit& hit) {
  out.StartObject();
  out.Key("source");
  out.String(hit.source);
  out.Key("key");
  out.String(hit.key);
  out.Key("score");
  out.Double(hit.score);
  out.Key("document");
  out.RawValue(hit.stored.data(), hit.stored.size(), rapidjson::kObjectType);
  out.Key("highlights");
  out.StartObject();
  out.Key("title");
  out.String(hit.title);
  out.Key("snippet");
  out.String(hit.snippet);
  out.EndObject();
  out.EndObject();
}

}  // namespace

SearchRequest read_search_request(const orchestra::http::Request& request) {
  SearchRequest out;
  auto text = request.query_param("q");
  if (!text || text->empty()) throw HttpError(400, "query parameter 'q' is required");
  try {
    out.terms = parse_query(*text);
  } catch (const std::invalid_argument& error) {
    throw HttpError(400, fmt::format("q: {}", error.what()));
  }
  out.limit = static_cast<int>(request.query_int("limit", 20, 1, 100));
  out.cursor = request.query_param("cursor");
  out.source = request.query_param("source");
  if (out.source && !is_known_source(*out.source)) {
    throw HttpError(400, fmt::format("unknown source {}; expected steam-sync.apps, "
                                     "notifications.teams or notifications.matches",
                                     orchestra::json::quote(*out.source)));
  }
  app_filters(request, out);
  match_filters(request, out);
  if (auto facets = request.query_param("facets")) {
    for (const auto& facet : comma_list(*facets)) {
      if (facet != "type" && facet != "genre" && facet != "platform" && facet != "is_free" &&
          facet != "team" && facet != "status" && facet != "country") {
        throw HttpError(400, fmt::format("unknown facet {}; expected type, genre, platform, "
                                         "is_free, team, status or country",
                                         orchestra::json::quote(facet)));
      }
      if (std::find(out.facets.begin(), out.facets.end(), facet) == out.facets.end()) {
        out.facets.push_back(facet);
      }
    }
  }
  return out;
}

void SearchRoutes::add(orchestra::http::Routes& routes) {
  using namespace orchestra::schema;
  using orchestra::http::QueryParameter;
  auto route = [&](Method method, const char* path, const char* summary,
                   Response (SearchRoutes::*handler)(const Request&), std::string request,
                   std::map<int, std::string> responses, std::vector<QueryParameter> query = {}) {
    routes.add(method, path, [this, handler](const Request& request) {
      return (this->*handler)(request);
    }, {summary, orchestra::http::Execution::blocking, Access::scope("admin"), std::move(request),
        std::move(responses), std::move(query)});
  };
  auto source = R"({"type":"string","enum":["steam-sync.apps","notifications.teams","notifications.matches"]})";
  auto hit = record({{"source", kString}, {"key", kString}, {"score", R"({"type":"number"})"},
                     {"document", R"({"type":"object"})"},
                     {"highlights", record({{"title", kString}, {"snippet", kString}})}});
  auto facet_counts = R"({"type":"object","additionalProperties":{"type":"array","items":)" +
                      record({{"value", kString}, {"count", kInteger}}) + "}}";
  auto results = record({{"items", R"({"type":"array","items":)" + hit + "}"},
                         {"next_cursor", kOptionalString}, {"facets", facet_counts}});
  auto words = R"({"type":"string","description":"comma list"})";
  routes.add_shared(Method::get, "/search", [this](const Request& request) {
    return search(request);
  }, {"Search every indexed source (q, source, filters, facets)",
      orchestra::http::Execution::blocking, Access::authenticated(), {}, {{200, results}},
      {{"q", R"({"type":"string","minLength":1,"maxLength":500})",
        "words (all must match), \"a phrase\", -excluded; the last word is a prefix", true},
       {"source", source, "one source only"},
       {"limit", limit_schema(100), "page size (default 20)"},
       {"cursor", kString, "next_cursor of the previous page"},
       {"facets", words, "counts per value: type, genre, platform, is_free, team, status, country"},
       {"type", words, "apps: app types"}, {"genre", words, "apps: genres"},
       {"platform", words, "apps: platforms"},
       {"is_free", R"({"type":"string","enum":["true","false"]})", "apps: free or not"},
       {"price_max", R"({"type":"integer","minimum":0})", "apps: cents, with country"},
       {"country", R"({"type":"string","pattern":"^[A-Z]{2}$"})", "apps: ISO 3166-1 alpha-2"},
       {"team", words, "matches: team names"},
       {"from", kTimestamp, "matches: starting at or after"},
       {"to", kTimestamp, "matches: starting at or before"}}});
  auto reindex = record({{"source", kString},
                         {"state", R"({"enum":["building","ready","switched","failed"]})"},
                         {"position", kString}, {"built", kInteger},
                         {"requested_at", kTimestamp}, {"finished_at", kOptionalTimestamp},
                         {"error", kOptionalString}});
  auto status = record({{"source", kString}, {"checkpoint", kString}, {"extracted", kInteger},
                        {"indexed", kInteger}, {"documents", kInteger}, {"lag_changes", kInteger},
                        {"lag_seconds", R"({"type":"number","minimum":0})"},
                        {"waiting_transform", kInteger}, {"waiting_load", kInteger},
                        {"dead", kInteger}, {"last_error", kOptionalString},
                        {"updated_at", kOptionalTimestamp},
                        {"reindex", R"({"oneOf":[{"type":"null"},)" + reindex + "]}"}});
  auto dead = record({{"id", kString}, {"key", kString}, {"position", kString},
                      {"stage", R"({"enum":["transform","load","reindex"]})"}, {"error", kString},
                      {"created_at", kTimestamp}});
  route(Method::get, "/status", "The pipeline of each source", &SearchRoutes::status, {},
        {{200, list_of(status)}});
  route(Method::get, "/dead", "Documents that could not be indexed (source)", &SearchRoutes::dead,
        {}, {{200, list_of(dead)}}, {{"source", source, "the source", true}});
  route(Method::post, "/dead/{id}/retry", "Index a dead document again", &SearchRoutes::retry, {},
        {{202, record({{"id", kString}, {"status", R"({"enum":["queued"]})"}})}});
  route(Method::post, "/reindex",
        "Rebuild a source's documents beside the index and switch them in (source)",
        &SearchRoutes::reindex, body({{"source", source}}, {"source"}), {{202, reindex}});
}

SearchRoutes::Response SearchRoutes::search(const Request& request) {
  auto search = read_search_request(request);
  SearchResult result;
  try {
    result = parts_.index->search(search);
  } catch (const std::invalid_argument& error) {
    throw HttpError(400, error.what());
  }
  rapidjson::StringBuffer buffer;
  Writer out(buffer);
  out.StartObject();
  out.Key("items");
  out.StartArray();
  for (const auto& hit : result.hits) hit_json(out, hit);
  out.EndArray();
  out.Key("next_cursor");
  if (result.next_cursor) {
    out.String(*result.next_cursor);
  } else {
    out.Null();
  }
  out.Key("facets");
  out.StartObject();
  for (const auto& [facet, values] : result.facets) {
    out.Key(facet.c_str(), static_cast<rapidjson::SizeType>(facet.size()));
    out.StartArray();
    for (const auto& [value, count] : values) {
      out.StartObject();
      out.Key("value");
      out.String(value);
      out.Key("count");
      out.Int64(count);
      out.EndObject();
    }
    out.EndArray();
  }
  out.EndObject();
  out.EndObject();
  return Response::json(200, buffer.GetString());
}

SearchRoutes::Response SearchRoutes::status(const Request&) {
  rapidjson::StringBuffer buffer;
  Writer out(buffer);
  out.StartObject();
  out.Key("items");
  out.StartArray();
  for (const auto& source : known_sources()) {
    auto status = parts_.store->status(source);
    out.StartObject();
    out.Key("source");
    out.String(source);
    out.Key("checkpoint");
    out.String(status.position);
    out.Key("extracted");
    out.Int64(status.extracted);
    out.Key("indexed");
    out.Int64(status.indexed);
    out.Key("documents");
    out.Int64(parts_.index->count(source));
    // Lag: feed entries not extracted yet, and the age of the oldest.
    auto behind = parts_.feed->lag(source, orchestra::changes::FeedPosition::parse(status.position));
    out.Key("lag_changes");
    out.Int64(behind.changes);
    out.Key("lag_seconds");
    out.Double(behind.oldest_at
                   ? static_cast<double>(orchestra::unix_ms() - *behind.oldest_at) / 1000.0
                   : 0.0);
    out.Key("waiting_transform");
    out.Int64(status.waiting_transform);
    out.Key("waiting_load");
    out.Int64(status.waiting_load);
    out.Key("dead");
    out.Int64(status.dead);
    out.Key("last_error");
    if (status.last_error) {
      out.String(*status.last_error);
    } else {
      out.Null();
    }
    out.Key("updated_at");
    if (status.updated_at) {
      out.String(orchestra::json::rfc3339(*status.updated_at));
    } else {
      out.Null();
    }
    out.Key("reindex");
    if (auto rebuilt = parts_.reindex->status(source)) {
      reindex_json(out, *rebuilt);
    } else {
      out.Null();
    }
    out.EndObject();
  }
  out.EndArray();
  out.Key("next_cursor");
  out.Null();
  out.EndObject();
  return Response::json(200, buffer.GetString());
}

SearchRoutes::Response SearchRoutes::dead(const Request& request) {
  auto source = request.query_param("source").value_or("");
  if (!is_known_source(source)) throw HttpError(400, "query parameter 'source' names a source");
  rapidjson::StringBuffer buffer;
  Writer out(buffer);
  out.StartObject();
  out.Key("items");
  out.StartArray();
  for (const auto& document : parts_.store->dead(source, 100)) {
    out.StartObject();
    out.Key("id");
    out.String(document.id);
    out.Key("key");
    out.String(document.key);
    out.Key("position");
    out.String(document.position);
    out.Key("stage");
    out.String(document.stage);
    out.Key("error");
    out.String(document.error);
    out.Key("created_at");
    out.String(orchestra::json::rfc3339(document.created_at));
    out.EndObject();
  }
  out.EndArray();
  out.Key("next_cursor");
  out.Null();
  out.EndObject();
  return Response::json(200, buffer.GetString());
}

SearchRoutes::Response SearchRoutes::retry(const Request& request) {
  const auto& id = request.path_param("id");
  if (!parts_.store->revive(id)) {
    throw HttpError(404, fmt::format("no dead document {}", orchestra::json::quote(id)));
  }
  orchestra::json::Writer out;
  out.object().field("id", id).field("status", "queued").end_object();
  return Response::json(202, out.str());
}

SearchRoutes::Response SearchRoutes::reindex(const Request& request) {
  auto body = orchestra::json::parse_object(request.body);
  orchestra::json::ObjectReader reader(body);
  reader.only({"source"});
  auto source = reader.require<std::string>("source");
  if (!is_known_source(source)) {
    throw HttpError(400, fmt::format("unknown source {}; expected steam-sync.apps, "
                                     "notifications.teams or notifications.matches",
                                     orchestra::json::quote(source)));
  }
  auto status = parts_.reindex->request(source);
  parts_.pipeline->queue(kReindexType, source);
  rapidjson::StringBuffer buffer;
  Writer out(buffer);
  reindex_json(out, status);
  return Response::json(202, buffer.GetString());
}

}  // namespace search_indexer
