#pragma once
// The Host a plugin sees: its own config section, its routes mounted under
// /api/v1/<name>/, and the shared services.

#include "console/console_registry.hpp"
#include "http/router.hpp"
#include "tasks/task_service.hpp"

#include <orchestra/host.hpp>

namespace orchestra::app {

struct Services {
  db::Database* database = nullptr;  // set once the database is open
  events::EventBus* events = nullptr;
  blobs::BlobStore* blobs = nullptr;
  tasks::TaskService* tasks = nullptr;
  WorkerIdentity worker;
  limits::RateLimiter* limits = nullptr;  // set once the database is open
  http::Client* http_client = nullptr;    // set once the database is open
  changes::ChangeFeed* changes = nullptr; // set once the database is open
  metrics::Metrics* metrics = nullptr;
  console::ConsoleRegistry* console = nullptr;
};

class MountedRoutes final : public http::Routes {
 public:
  MountedRoutes(http::Router& router, std::string prefix, std::string owner);
  void add(http::Method method, const std::string& path, http::Handler handler,
           http::RouteOptions options) override;
  void add_shared(http::Method method, const std::string& path, http::Handler handler,
                  http::RouteOptions options) override;

 private:
  void check(const std::string& path) const;
  http::Router& router_;
  std::string prefix_;
  std::string owner_;
};

class PluginHost final : public Host {
 public:
  PluginHost(std::string name, Role role, ConfigSection config, http::Router& router,
             const Services& services);
  const std::string& name() const override { return name_; }
  Role role() const override { return role_; }
  const WorkerIdentity& worker() const override { return services_.worker; }
  const ConfigSection& config() const override { return config_; }
  http::Routes& http() override { return routes_; }
  tasks::Tasks& tasks() override { return tasks_; }
  tasks::Schedules& schedules() override { return schedules_; }
  db::Database& db() override;
  events::EventBus& events() override { return *services_.events; }
  blobs::BlobStore& blobs() override { return *services_.blobs; }
  limits::RateLimiter& limits() override;
  http::Client& http_client() override;
  changes::ChangeFeed& changes() override;
  metrics::Metrics& metrics() override { return *services_.metrics; }
  console::Console& console() override { return console_; }
  std::shared_ptr<spdlog::logger> log() override { return log_; }

 private:
  std::string name_;
  Role role_;
  ConfigSection config_;
  MountedRoutes routes_;
  const Services& services_;
  tasks::PluginTasks tasks_;
  tasks::PluginSchedules schedules_;
  console::PluginConsole console_;
  std::shared_ptr<spdlog::logger> log_;
};

}  // namespace orchestra::app
