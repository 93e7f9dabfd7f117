#pragma once
// What steam-sync's tasks carry across their waits for the rate limit or a
// retry's backoff (a Step's state). Each from_state throws
// std::invalid_argument for a text its to_state did not write; empty text
// is a fresh start.

#include "steam_data.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace steam_sync {

struct FetchOutcome {
  int fetched = 0;
  int unavailable = 0;
  int failed = 0;          // marked `error`: Steam's answer for the app cannot be used
  int held_elsewhere = 0;  // leased by another fetch: left to it
  int already_fresh = 0;   // updated since the task was created (an earlier attempt)
  int lease_lost = 0;      // the lease expired and another fetch took the app
  std::string to_json() const;
};

using PricesByApp = std::map<std::int64_t, std::map<std::string, std::optional<Price>>>;

// steam-sync.fetch_apps: the apps it still holds (not stored yet), the
// secondary-country price requests already made (batches over
// `priced_apps`) and what they answered, the outcome so far, and the
// attempt number of the request it waits to retry.
struct FetchProgress {
  std::vector<std::int64_t> apps;
  std::vector<std::int64_t> priced_apps;  // fixed at the first price request
  int price_requests_done = 0;  // in order: each secondary country, each batch
  PricesByApp prices;
  FetchOutcome outcome;
  int attempt = 1;

  std::string to_state() const;
  static FetchProgress from_state(const std::string& text);
};

// steam-sync.refresh_app_list: where the paged list goes on, what the
// stored pages counted, and the attempt of the request it waits to retry.
struct ListProgress {
  std::int64_t after = 0;  // last_appid of the next page
  int pages = 0;
  std::int64_t listed = 0;
  std::int64_t added = 0;
  std::int64_t skipped = 0;
  int attempt = 1;

  std::string to_state() const;
  static ListProgress from_state(const std::string& text);
};

}  // namespace steam_sync
