#pragma once
// The handlers of the plugin's three task types.

#include "app_store.hpp"
#include "settings.hpp"

#include <orchestra/host.hpp>

#include <string>

namespace steam_sync {

class SteamTasks {
 public:
  SteamTasks(orchestra::Host& host, AppStore& store, const Settings& settings);

  // Fetches the app list page by page, adding each page's new apps as it
  // arrives: {"listed", "new", "skipped"}. Waits as Steps, like fetch_apps.
  orchestra::tasks::Step refresh_app_list(orchestra::tasks::TaskContext& context);
  // Fetches the apps of the payload (see fetch_request.hpp).
  // Waits for the rate limit and retry backoffs as Steps, holding no
  // handler thread.
  orchestra::tasks::Step fetch_apps(orchestra::tasks::TaskContext& context);
  // Leases the stalest apps and queues fetch tasks for them, unless enough
  // scheduled fetches still wait.
  std::string pick_stalest(orchestra::tasks::TaskContext& context);

 private:
  SteamApi api(orchestra::tasks::TaskContext& context);

  orchestra::Host& host_;
  AppStore& store_;
  const Settings& settings_;
};

}  // namespace steam_sync
