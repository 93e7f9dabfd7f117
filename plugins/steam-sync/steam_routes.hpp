#pragma once
// REST under /api/v1/steam-sync: queue the plugin's tasks by hand (above
// scheduled work) and read the catalogue.

#include "app_store.hpp"
#include "settings.hpp"

#include <orchestra/host.hpp>

#include <memory>

namespace steam_sync {

inline constexpr const char* kRefreshType = "steam-sync.refresh_app_list";
inline constexpr const char* kFetchType = "steam-sync.fetch_apps";
inline constexpr const char* kPickType = "steam-sync.pick_stalest";

class SteamRoutes {
 public:
  // `store` is filled when the plugin starts, before any request.
  SteamRoutes(orchestra::Host& host, const std::unique_ptr<AppStore>& store,
              const Settings& settings);
  void add(orchestra::http::Routes& routes);

 private:
  using Request = orchestra::http::Request;
  using Response = orchestra::http::Response;

  Response refresh_app_list(const Request& request);
  Response fetch_app(const Request& request);
  Response fetch_apps(const Request& request);
  Response list_apps(const Request& request);
  Response get_app(const Request& request);
  Response stats(const Request& request);
  Response queue_fetch(const Request& request, std::vector<std::int64_t> ids,
                       std::vector<std::string> countries);
  Response accepted(const std::string& task_id);

  orchestra::Host& host_;
  const std::unique_ptr<AppStore>& store_;
  const Settings& settings_;
};

}  // namespace steam_sync
