#include "search_routes.hpp"

#include "mapping.hpp"

#include <orchestra/clock.hpp>
#include <orchestra/json.hpp>
#include <orchestra/json_writer.hpp>
#include <orchestra/schema.hpp>
#include <orchestra/text.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <sstream>

namespace search_indexer {
namespace {

using orchestra::http::Access;
using orchestra::http::HttpError;
using orchestra::http::Method;
using orchestra::json::Writer;

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
  out.object()
      .field("source", status.source)
      .field("state", status.state)
      .field("position", status.position)
      .field("built", status.built)
      .time("requested_at", status.requested_at)
      .time("finished_at", status.finished_at)
      .field("error", status.error)
      .end_object();
}

void hit_json(Writer& out, const Hit& hit) {
  out.object()
      .field("source", hit.source)
      .field("key", hit.key)
      .field("score", hit.score)
      .raw_field("document", hit.stored)
      .key("highlights")
      .object()
      .field("title", hit.title)
      .field("snippet", hit.snippet)
      .end_object()
      .end_object();
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
  Writer out;
  out.object().key("items").array();
  for (const auto& hit : result.hits) hit_json(out, hit);
  out.end_array().field("next_cursor", result.next_cursor).key("facets").object();
  for (const auto& [facet, values] : result.facets) {
    out.key(facet).array();
    for (const auto& [value, count] : values) {
      out.object().field("value", value).field("count", count).end_object();
    }
    out.end_array();
  }
  out.end_object().end_object();
  return Response::json(200, out.str());
}

SearchRoutes::Response SearchRoutes::status(const Request&) {
  Writer out;
  out.list(known_sources(), std::nullopt, [&](Writer& writer, const std::string& source) {
    auto status = parts_.store->status(source);
    // Lag: feed entries not extracted yet, and the age of the oldest.
    auto behind = parts_.feed->lag(source, orchestra::changes::FeedPosition::parse(status.position));
    writer.object()
        .field("source", source)
        .field("checkpoint", status.position)
        .field("extracted", status.extracted)
        .field("indexed", status.indexed)
        .field("documents", parts_.index->count(source))
        .field("lag_changes", behind.changes)
        .field("lag_seconds",
               behind.oldest_at
                   ? static_cast<double>(orchestra::unix_ms() - *behind.oldest_at) / 1000.0
                   : 0.0)
        .field("waiting_transform", status.waiting_transform)
        .field("waiting_load", status.waiting_load)
        .field("dead", status.dead)
        .field("last_error", status.last_error)
        .time("updated_at", status.updated_at)
        .key("reindex");
    if (auto rebuilt = parts_.reindex->status(source)) {
      reindex_json(writer, *rebuilt);
    } else {
      writer.null();
    }
    writer.end_object();
  });
  return Response::json(200, out.str());
}

SearchRoutes::Response SearchRoutes::dead(const Request& request) {
  auto source = request.query_param("source").value_or("");
  if (!is_known_source(source)) throw HttpError(400, "query parameter 'source' names a source");
  Writer out;
  out.list(parts_.store->dead(source, 100), std::nullopt,
           [](Writer& writer, const DeadDocument& document) {
             writer.object()
                 .field("id", document.id)
                 .field("key", document.key)
                 .field("position", document.position)
                 .field("stage", document.stage)
                 .field("error", document.error)
                 .time("created_at", document.created_at)
                 .end_object();
           });
  return Response::json(200, out.str());
}

SearchRoutes::Response SearchRoutes::retry(const Request& request) {
  const auto& id = request.path_param("id");
  if (!parts_.store->revive(id)) {
    throw HttpError(404, fmt::format("no dead document {}", orchestra::json::quote(id)));
  }
  Writer out;
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
  Writer out;
  reindex_json(out, status);
  return Response::json(202, out.str());
}

}  // namespace search_indexer
