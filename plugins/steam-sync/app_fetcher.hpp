#pragma once
// The work of one steam-sync.fetch_apps task: lease the apps, fetch the
// prices of the secondary countries in bulk, then each app's details in
// the primary country, storing each app (details and all its prices in one
// transaction) as soon as it is complete. An app is marked updated only
// when every request for it succeeded. An app Steam answers for in a way
// no retry can mend (a 4xx, data that stays malformed) is marked `error`
// and the others go on; a request that fails for good otherwise throws,
// leaving the remaining apps to the task's next attempt.
//
// Waits (a rate-limit token, a retry's backoff) are handed back as
// SteamWait with the progress so far (progress()), for the task to wait as
// a Step and run again from there. The leases are renewed while the task
// runs and each time it resumes; an app whose lease was lost to another
// fetch is dropped. A
// fetch queued by hand takes over apps leased by a scheduled batch that
// has not started, so hand-queued work really runs first.

#include "app_store.hpp"
#include "task_progress.hpp"
#include "fetch_request.hpp"
#include "steam_api.hpp"

#include <orchestra/tasks.hpp>

#include <chrono>
#include <cstdint>
#include <set>

namespace steam_sync {

class AppFetcher {
 public:
  AppFetcher(AppStore& store, int price_batch, std::chrono::milliseconds lease_timeout,
             orchestra::tasks::TaskContext& context, FetchProgress progress = {});

  // Renews the leases when due; true when the task should stop. Meant as
  // SteamApi's `stop` callback, which is polled during every wait.
  bool keep_alive();
  // `created_at`: when the task was created (Unix ms).
  FetchOutcome run(SteamApi& api, const FetchRequest& request, std::int64_t created_at);
  // Where a run stopped for a SteamWait (with that wait's attempt).
  const FetchProgress& progress() const { return progress_; }

 private:
  void lease_first(const FetchRequest& request, std::int64_t created_at);
  void lease_again();
  void secondary_prices(SteamApi& api, const std::vector<std::string>& countries);
  void fetch_one(SteamApi& api, std::int64_t id, const std::string& country);
  void renew_leases();

  AppStore& store_;
  int price_batch_;
  std::chrono::milliseconds lease_timeout_;
  orchestra::tasks::TaskContext& context_;
  std::string token_;
  std::set<std::int64_t> owned_;  // leased and not stored yet
  std::int64_t lease_renewed_at_ = 0;
  FetchProgress progress_;
};

}  // namespace steam_sync
