// The steam-sync plugin: keeps a table of every Steam app fresh within
// Steam's rate limits. Schedules refresh the app list and lease the
// stalest apps into fetch tasks; REST queues the same tasks by hand (they
// run first) and serves the catalogue.

#include "app_json.hpp"
#include "steam_routes.hpp"
#include "steam_tasks.hpp"

#include <orchestra/plugin.hpp>

namespace steam_sync {
namespace {

using orchestra::tasks::TaskContext;

class SteamSyncPlugin final : public orchestra::Plugin {
 public:
  void setup(orchestra::Host& host) override {
    host_ = &host;
    settings_ = read_settings(host.config());
    orchestra::tasks::TaskOptions options;
    options.max_attempts = settings_.task_attempts;
    options.lease = settings_.task_lease;
    options.backoff.initial = settings_.task_backoff;
    auto refresh = options;
    refresh.unique = orchestra::tasks::Uniqueness::by_payload;
    host.tasks().define(kRefreshType, [this](TaskContext& c) { return tasks_->refresh_app_list(c); },
                        refresh);
    auto fetch = options;
    fetch.concurrency = settings_.fetch_concurrency;
    host.tasks().define(kFetchType, [this](TaskContext& c) { return tasks_->fetch_apps(c); },
                        fetch);
    host.tasks().define(kPickType, [this](TaskContext& c) { return tasks_->pick_stalest(c); });
    host.schedules().cron("refresh_app_list", "0 3 * * *", kRefreshType);
    host.schedules().every("pick_stalest", std::chrono::minutes(1), kPickType);
    routes_ = std::make_unique<SteamRoutes>(host, store_, settings_);
    routes_->add(host.http());
  }

  void start() override {
    // Every fetched app goes into the change feed with its row, for search.
    store_ = std::make_unique<AppStore>(
        host_->db(), [&feed = host_->changes()](soci::session& session, const AppRecord& app) {
          feed.publish(session, kAppsSource, std::to_string(app.id), app_json(app));
        });
    tasks_ = std::make_unique<SteamTasks>(*host_, *store_, settings_);
    if (!host_->http_client().budget(settings_.endpoints.store_url)) {
      host_->log()->warn(
          "no rate limit for {} in http_client.rate_limits: store requests are not throttled",
          settings_.endpoints.store_url);
    }
  }

 private:
  orchestra::Host* host_ = nullptr;
  Settings settings_;
  std::unique_ptr<AppStore> store_;
  std::unique_ptr<SteamTasks> tasks_;
  std::unique_ptr<SteamRoutes> routes_;
};

}  // namespace
}  // namespace steam_sync

ORCHESTRA_PLUGIN(steam_sync::SteamSyncPlugin, "steam-sync", "1.0.0",
                 "Keeps a fresh copy of the Steam catalogue within Steam's rate limits")
