#include "settings.hpp"

#include <orchestra/text.hpp>

#include <fmt/format.h>

namespace steam_sync {
namespace {

std::string read_url(const orchestra::ConfigSection& config, const std::string& key,
                     const std::string& fallback) {
  auto url = config.get<std::string>(key, fallback);
  if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
    config.report(key, "must be an http:// or https:// URL");
  }
  return url;
}

int bounded(const orchestra::ConfigSection& config, const std::string& key, int fallback,
            int min, int max) {
  return static_cast<int>(config.get_int(key, fallback, min, max));
}

}  // namespace

Settings read_settings(const orchestra::ConfigSection& config) {
  Settings settings;
  auto& endpoints = settings.endpoints;
  endpoints.api_url = read_url(config, "api_url", endpoints.api_url);
  endpoints.store_url = read_url(config, "store_url", endpoints.store_url);
  endpoints.api_key = config.get<std::string>("api_key", "");
  endpoints.language = config.get<std::string>("language", endpoints.language);
  endpoints.page_size = bounded(config, "page_size", endpoints.page_size, 1, 50'000);
  auto requests = config.section("requests");
  settings.retry.attempts = bounded(requests, "attempts", settings.retry.attempts, 1, 100);
  settings.retry.first_backoff =
      requests.get_positive_duration("backoff", settings.retry.first_backoff);
  settings.retry.max_backoff =
      requests.get_positive_duration("max_backoff", settings.retry.max_backoff);
  settings.countries = config.get<std::vector<std::string>>("countries", settings.countries);
  if (settings.countries.empty()) config.report("countries", "must name at least one country");
  for (const auto& country : settings.countries) {
    if (!orchestra::text::is_country_code(country)) {
      config.report("countries",
                    fmt::format("'{}' is not an ISO 3166-1 alpha-2 code (e.g. US, GB)", country));
    }
  }
  settings.price_batch = bounded(config, "price_batch", settings.price_batch, 1, 1'000);
  settings.pick_size = bounded(config, "pick_size", settings.pick_size, 1, 100'000);
  settings.batch_size = bounded(config, "batch_size", settings.batch_size, 1, 10'000);
  settings.max_pending = bounded(config, "max_pending", settings.max_pending, 1, 100'000);
  settings.fetch_concurrency =
      bounded(config, "fetch_concurrency", settings.fetch_concurrency, 1, 10'000);
  settings.lease_timeout = config.get_positive_duration("lease_timeout", settings.lease_timeout);
  settings.min_age = config.get("min_age", settings.min_age);
  settings.task_lease = config.get_positive_duration("task_lease", settings.task_lease);
  settings.task_attempts = bounded(config, "task_attempts", settings.task_attempts, 1, 100);
  settings.task_backoff = config.get_positive_duration("task_backoff", settings.task_backoff);
  // Each id is one bound parameter of a query; databases allow ~32,000.
  settings.max_app_ids = bounded(config, "max_app_ids", settings.max_app_ids, 1, 10'000);
  settings.max_countries = bounded(config, "max_countries", settings.max_countries, 1, 249);
  settings.task_scope = config.get<std::string>("task_scope", settings.task_scope);
  return settings;
}

}  // namespace steam_sync
