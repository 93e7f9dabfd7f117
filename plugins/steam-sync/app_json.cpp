#include "app_json.hpp"

#include <orchestra/json.hpp>

#include <fmt/format.h>

namespace steam_sync {
namespace {

using orchestra::json::quote;
using orchestra::json::rfc3339;

std::string text_or_null(const std::optional<std::string>& text) {
  return text ? quote(*text) : "null";
}

std::string flag_or_null(const std::optional<bool>& flag) {
  return flag ? (*flag ? "true" : "false") : "null";
}

std::string time_or_null(const std::optional<std::int64_t>& ms) {
  return ms ? quote(rfc3339(*ms)) : "null";
}

std::string prices_json(const std::vector<StoredPrice>& prices) {
  std::string out = "{";
  for (const auto& stored : prices) {
    if (out.size() > 1) out += ',';
    out += fmt::format(
        R"({}:{{"currency":{},"initial":{},"final":{},"discount_percent":{},"fetched_at":{}}})",
        quote(stored.country), quote(stored.price.currency), stored.price.initial,
        stored.price.final_price, stored.price.discount_percent,
        quote(rfc3339(stored.fetched_at)));
  }
  return out + "}";
}

}  // namespace

std::string app_json(const AppRecord& app) {
  const auto& d = app.details;
  return fmt::format(
      R"({{"app_id":{},"name":{},"last_updated":{},"fetch_status":{},"type":{},"is_free":{},)"
      R"("short_description":{},"developers":{},"publishers":{},"genres":{},"categories":{},)"
      R"("release_date":{{"date":{},"coming_soon":{}}},"platforms":{},"prices":{},)"
      R"("data_problems":{},"details_fetched_at":{}}})",
      app.id, quote(app.name), quote(rfc3339(app.last_updated)), quote(app.fetch_status),
      text_or_null(d.type), flag_or_null(d.is_free), text_or_null(d.short_description),
      orchestra::json::string_array(d.developers), orchestra::json::string_array(d.publishers), orchestra::json::string_array(d.genres), orchestra::json::string_array(d.categories),
      text_or_null(d.release_date), flag_or_null(d.coming_soon), orchestra::json::string_array(d.platforms),
      prices_json(app.prices), orchestra::json::string_array(d.problems), time_or_null(app.details_fetched_at));
}

std::string stats_json(const CatalogueStats& stats, const std::optional<std::string>& budget) {
  return fmt::format(
      R"({{"apps_total":{},"never_fetched":{},"fetched_last_24h":{},"unavailable":{},)"
      R"("leased":{},"oldest_last_updated":{},"request_budget":{}}})",
      stats.total, stats.never_fetched, stats.fetched_last_day, stats.unavailable, stats.leased,
      time_or_null(stats.oldest_last_updated), budget.value_or("null"));
}

}  // namespace steam_sync
