#pragma once
// The host's lifecycle: configure (config, plugins, setup; no I/O), open
// (database, migrations), serve (listeners by role until SIGTERM/SIGINT,
// then a graceful drain), in that order.

#include "auth/auth_service.hpp"
#include "blobs/file_blob_store.hpp"
#include "config/core_config.hpp"
#include "config/loader.hpp"
#include "db/connection_pool.hpp"
#include "db/migrations.hpp"
#include "events/local_event_bus.hpp"
#include "http/dispatcher.hpp"
#include "http/router.hpp"
#include "http/server.hpp"
#include "metrics/registry.hpp"
#include "app/plugin_host.hpp"
#include "console/console_registry.hpp"
#include "tasks/task_service.hpp"
#include "plugins/plugin_library.hpp"

#include <orchestra/host.hpp>

#include <boost/asio/thread_pool.hpp>

#include <csignal>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace orchestra::app {

// Start-up failures other than configuration problems, with a message
// fit to print as the one line the process exits with.
class StartupError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Application {
 public:
  Application(Role role, std::filesystem::path config_file);
  ~Application();

  // Reads the configuration, loads the enabled plugins and runs their
  // setup. Throws config::ConfigError listing every problem, or
  // StartupError.
  void configure();
  // Opens the database and the task queue and applies migrations; returns
  // what was applied.
  db::MigrationReport open();
  // Only the database and its migrations (for the admin commands).
  db::MigrationReport open_database();
  // Serves until one of `signals` arrives, then drains; returns the exit code.
  int serve(const sigset_t& signals);

  const config::CoreConfig& config() const { return config_; }
  // The database opened by open().
  db::Database& database() { return *database_; }
  std::filesystem::path plugin_dir() const;
  std::filesystem::path sql_dir() const;

 private:
  struct LoadedPlugin {
    plugins::PluginLibrary library;  // destroyed last: the code lives here
    std::unique_ptr<Plugin> plugin;
    std::unique_ptr<PluginHost> host;
  };

  void load_plugins(const ConfigSection& plugins_section);
  void start_listeners();
  void shut_down();

  Role role_;
  std::filesystem::path config_file_;
  std::optional<config::ConfigTree> tree_;
  config::CoreConfig config_;
  std::shared_ptr<spdlog::logger> log_;
  metrics::Registry metrics_;
  console::ConsoleRegistry console_;

  // Services outlive the plugins that use them.
  std::unique_ptr<events::EventBus> events_;
  std::unique_ptr<changes::ChangeFeed> change_feed_;
  std::unique_ptr<blobs::BlobStore> blobs_;
  std::unique_ptr<db::ConnectionPool> database_;
  std::unique_ptr<auth::AuthService> auth_;  // api and all roles
  std::unique_ptr<limits::RateLimiter> limits_;
  std::unique_ptr<http::Client> http_client_;
  Services services_;

  std::vector<LoadedPlugin> plugins_;
  std::size_t started_plugins_ = 0;

  // Holds task handlers whose code lives in the plugins: destroyed first.
  std::unique_ptr<tasks::TaskService> tasks_;

  // Routes hold handlers whose code lives in the plugins: declared after
  // them, so destroyed first.
  http::Router api_router_;
  http::Router probe_router_;
  std::unique_ptr<boost::asio::thread_pool> handler_pool_;
  std::vector<std::unique_ptr<http::Dispatcher>> dispatchers_;
  std::vector<std::unique_ptr<http::Server>> servers_;
};

}  // namespace orchestra::app
