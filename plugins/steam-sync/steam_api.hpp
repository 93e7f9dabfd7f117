#pragma once
// Steam's Web API and store API as the plugin uses them, over the core's
// HTTP client (which applies the deployment's per-host rate limits).
// Every request is retried with capped exponential backoff on connection
// failures, timeouts, 5xx, throttling answers and malformed JSON; other
// 4xx answers fail at once.

#include "steam_data.hpp"

#include <orchestra/http_client.hpp>

#include <spdlog/logger.h>

#include <chrono>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace steam_sync {

using std::chrono::milliseconds;

struct SteamEndpoints {
  std::string api_url = "https://api.steampowered.com";
  std::string store_url = "https://store.steampowered.com";
  std::string api_key;  // empty: the legacy app list, which needs none
  std::string language = "english";
  int page_size = 50'000;
};

struct RetryPolicy {
  int attempts = 5;
  milliseconds first_backoff{1'000};
  milliseconds max_backoff{60'000};
};

// A request that failed for good: every attempt used, or an answer that
// retrying cannot change. `retryable` tells whether a later task attempt
// may still succeed.
class SteamError : public std::runtime_error {
 public:
  SteamError(const std::string& message, bool retryable)
      : std::runtime_error(message), retryable_(retryable) {}
  bool retryable() const { return retryable_; }

 private:
  bool retryable_;
};

// Thrown when `stop` turned true while a request waited.
class SteamStopped : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Thrown, instead of waiting, by a SteamApi that hands its waits back: a
// rate-limit token or a retry's backoff is `delay` away. The task waits as
// a Step, then calls again with `attempt` as the attempt number of the
// request it retries.
class SteamWait : public std::runtime_error {
 public:
  SteamWait(const std::string& message, milliseconds delay, int attempt)
      : std::runtime_error(message), delay_(delay), attempt_(attempt) {}
  milliseconds delay() const { return delay_; }
  int attempt() const { return attempt_; }

 private:
  milliseconds delay_;
  int attempt_;
};

class SteamApi {
 public:
  SteamApi(orchestra::http::Client& client, SteamEndpoints endpoints, RetryPolicy retry,
           std::function<bool()> stop, std::shared_ptr<spdlog::logger> log);

  // From now on waits throw SteamWait instead of holding the thread; the
  // next request counts its attempts from `attempt` (the one a SteamWait
  // named, when resuming).
  void hand_back_waits(int attempt);

  // The page of Steam's app list after app `after` (IStoreService v1, with
  // the API key), or without a key the whole list in one answer (ISteamApps
  // v2; no next page). `skipped`: entries without an appid.
  AppListPage app_list_page(std::int64_t after);
  // One app's full details in `country`; nullopt when Steam says success:false.
  std::optional<AppDetails> details(std::int64_t app_id, const std::string& country);
  // Prices of many apps in `country`, one request.
  std::map<std::int64_t, std::optional<Price>> prices(const std::vector<std::int64_t>& app_ids,
                                                      const std::string& country);
  const SteamEndpoints& endpoints() const { return endpoints_; }

 private:
  // GETs `url` until `parse` accepts a 200 answer or the attempts run out.
  template <typename Parse>
  auto fetch(const std::string& url, const std::string& what, Parse parse);
  std::string get_ok(const std::string& url, const std::string& what, int attempt);
  void pause(milliseconds delay);
  int first_attempt();

  orchestra::http::Client& client_;
  SteamEndpoints endpoints_;
  RetryPolicy retry_;
  std::function<bool()> stop_;
  std::shared_ptr<spdlog::logger> log_;
  bool hand_back_ = false;
  int next_attempt_ = 1;
};

}  // namespace steam_sync
