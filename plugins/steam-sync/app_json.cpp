#include "app_json.hpp"

#include <orchestra/json_writer.hpp>

namespace steam_sync {
namespace {

using orchestra::json::Writer;

void write_prices(Writer& out, const std::vector<StoredPrice>& prices) {
  out.object();
  for (const auto& stored : prices) {
    out.key(stored.country)
        .object()
        .field("currency", stored.price.currency)
        .field("initial", stored.price.initial)
        .field("final", stored.price.final_price)
        .field("discount_percent", stored.price.discount_percent)
        .time("fetched_at", stored.fetched_at)
        .end_object();
  }
  out.end_object();
}

}  // namespace

std::string app_json(const AppRecord& app) {
  const auto& d = app.details;
  Writer out;
  out.object()
      .field("app_id", app.id)
      .field("name", app.name)
      .time("last_updated", app.last_updated)
      .field("fetch_status", app.fetch_status)
      .field("type", d.type)
      .field("is_free", d.is_free)
      .field("short_description", d.short_description)
      .field("developers", d.developers)
      .field("publishers", d.publishers)
      .field("genres", d.genres)
      .field("categories", d.categories)
      .key("release_date")
      .object()
      .field("date", d.release_date)
      .field("coming_soon", d.coming_soon)
      .end_object()
      .field("platforms", d.platforms);
  write_prices(out.key("prices"), app.prices);
  return out.field("data_problems", d.problems)
      .time("details_fetched_at", app.details_fetched_at)
      .end_object()
      .str();
}

std::string stats_json(const CatalogueStats& stats,
                       const std::optional<orchestra::http::HostBudget>& budget) {
  Writer out;
  out.object()
      .field("apps_total", stats.total)
      .field("never_fetched", stats.never_fetched)
      .field("fetched_last_24h", stats.fetched_last_day)
      .field("unavailable", stats.unavailable)
      .field("leased", stats.leased)
      .time("oldest_last_updated", stats.oldest_last_updated)
      .key("request_budget");
  if (budget) {
    out.object()
        .field("host", budget->host)
        .field("requests", budget->requests)
        .field("per_seconds", static_cast<double>(budget->per.count()) / 1000.0)
        .field("burst_available", budget->burst_available)
        .end_object();
  } else {
    out.null();
  }
  return out.end_object().str();
}

}  // namespace steam_sync
