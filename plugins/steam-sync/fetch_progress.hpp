#pragma once
// What a steam-sync.fetch_apps task carries across its waits (a Step's
// state): the apps it still holds (not stored yet), the secondary-country
// price requests already made and what they answered, the outcome counted
// so far, and the attempt number of the request it waits to retry.

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

struct FetchProgress {
  std::vector<std::int64_t> apps;  // held, not stored yet
  int price_requests_done = 0;  // in order: each secondary country, each batch
  PricesByApp prices;
  FetchOutcome outcome;  // of the apps stored before the last wait
  int attempt = 1;       // of the request the task waits to retry

  std::string to_state() const;
  // Empty text: a fresh start. Throws std::invalid_argument when the text
  // is not a state this version wrote.
  static FetchProgress from_state(const std::string& text);
};

}  // namespace steam_sync
