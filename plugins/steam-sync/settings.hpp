#pragma once
// The plugins.steam-sync configuration section, typed and checked.

#include "steam_api.hpp"

#include <orchestra/config.hpp>

#include <chrono>
#include <string>
#include <vector>

namespace steam_sync {

struct Settings {
  SteamEndpoints endpoints;
  RetryPolicy retry;
  // Details are fetched in the first country; the others get prices only.
  std::vector<std::string> countries{"US"};
  int price_batch = 100;    // apps per bulk price request
  int pick_size = 30;       // apps leased by each firing of the pick schedule
  int batch_size = 10;      // apps per scheduled fetch task
  int max_pending = 6;      // no new picks while this many fetch tasks wait
  // Fetch tasks under way per worker process, waiting ones included: more
  // would only wait for the same host's tokens, and hand-queued fetches
  // would find the backlog's apps already taken.
  int fetch_concurrency = 4;
  milliseconds lease_timeout{10 * 60'000};  // a crashed fetch frees its apps after this
  milliseconds min_age{3'600'000};          // apps fetched more recently are not picked
  milliseconds task_lease{30'000};          // how soon a dead worker's fetch runs elsewhere
  int task_attempts = 5;                    // attempts of a refresh or fetch task before it is dead
  milliseconds task_backoff{30'000};        // before a failed task's first retry (then doubling)
  int max_app_ids = 1000;                   // per REST request
  int max_countries = 10;
  std::string task_scope = "orchestrator/tasks";
};

// Problems are reported to `config`, which refuses to start on any.
Settings read_settings(const orchestra::ConfigSection& config);

}  // namespace steam_sync
