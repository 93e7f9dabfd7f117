#include "app/application.hpp"

#include "tasks/outage.hpp"

#include "app/core_routes.hpp"
#include "console/console_routes.hpp"
#include "app/paths.hpp"
#include "blobs/s3_blob_store.hpp"
#include "http_client/curl_client.hpp"
#include "limits/make_rate_limiter.hpp"
#include "changes/sql_change_feed.hpp"
#include "events/redis_event_bus.hpp"
#include "auth/signing_secret.hpp"
#include "db/migrations.hpp"
#include "log/logging.hpp"

#include <orchestra/abi.hpp>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdlib>
#include <set>

namespace orchestra::app {

namespace fs = std::filesystem;

namespace {

std::unique_ptr<blobs::BlobStore> make_blob_store(const config::BlobsConfig& config) {
  auto local = std::make_unique<blobs::FileBlobStore>(config.file_roots);
  std::unique_ptr<blobs::BlobStore> s3;
  if (config.s3_enabled) {
    blobs::S3Config s3_config;
    s3_config.endpoint = config.s3_endpoint;
    s3_config.region = config.s3_region;
    s3_config.path_style = config.s3_path_style;
    s3_config.max_attempts = config.s3_max_attempts;
    s3_config.stall_timeout = config.s3_stall_timeout;
    s3_config.range_bytes = static_cast<std::size_t>(config.s3_range_bytes);
    s3_config.allowed = config.s3_allowed;
    auto variable = [](const char* name) {
      const char* value = std::getenv(name);
      return value != nullptr ? std::string(value) : std::string();
    };
    s3_config.access_key = variable("AWS_ACCESS_KEY_ID");
    s3_config.secret_key = variable("AWS_SECRET_ACCESS_KEY");
    s3_config.session_token = variable("AWS_SESSION_TOKEN");
    s3 = std::make_unique<blobs::S3BlobStore>(std::move(s3_config));
  }
  return std::make_unique<blobs::RoutingBlobStore>(std::move(local), std::move(s3));
}

}  // namespace

Application::Application(Role role, fs::path config_file)
    : role_(role), config_file_(std::move(config_file)), log_(log::logger("core")) {}

Application::~Application() { shut_down(); }

fs::path Application::plugin_dir() const {
  return config_.plugins.dir.empty() ? default_plugin_dir() : fs::path(config_.plugins.dir);
}

fs::path Application::sql_dir() const {
  return config_.database.migrations_dir.empty() ? default_sql_dir()
                                                 : fs::path(config_.database.migrations_dir);
}

void Application::configure() {
  tree_.emplace(config::ConfigTree::load_file(config_file_, config::process_environment()));
  auto root = tree_->root();
  config_ = config::read_core_config(root);
  log::configure(config_.log);
  events_ = std::make_unique<events::LocalEventBus>(log_);
  blobs_ = make_blob_store(config_.blobs);
  tasks_ = std::make_unique<tasks::TaskService>(log::logger("tasks"));
  services_ = Services{nullptr, events_.get(), blobs_.get(), tasks_.get(),
                       tasks::worker_identity(config_.worker)};
  services_.metrics = &metrics_;
  services_.console = &console_;
  // Cron schedules are evaluated in worker.time_zone; set before any
  // thread starts, since the C library reads TZ process-wide.
  setenv("TZ", config_.worker.time_zone.c_str(), 1);
  tzset();
  // Problems found so far are reported before any plugin loads: a wrong
  // `plugins.dir` must not surface as a confusing load error. The enabled
  // plugins' sections are theirs to judge, not unknown keys.
  auto plugins_section = root.section("plugins");
  for (const auto& name : config_.plugins.enabled) plugins_section.allow(name);
  if (!tree_->problems().empty()) tree_->finish();
  load_plugins(root.section("plugins"));
  tree_->finish();
}

void Application::load_plugins(const ConfigSection& plugins_section) {
  std::set<std::string> seen;
  for (const auto& name : config_.plugins.enabled) {
    if (!seen.insert(name).second) {
      plugins_section.report("enabled", "plugin '" + name + "' is listed twice");
    }
  }
  auto directory = plugin_dir();
  // Sections of installed but disabled plugins are allowed unread.
  for (const auto& name : plugins::plugin_names_in(directory)) plugins_section.allow(name);
  for (const auto& name : config_.plugins.enabled) {
    plugins_section.allow(name);
    try {
      auto library = plugins::PluginLibrary::open(directory, name);
      auto plugin = library.create();
      auto host = std::make_unique<PluginHost>(name, role_, plugins_section.section(name),
                                               api_router_, services_);
      plugin->setup(*host);
      log_->debug("plugin {} {} set up", name, library.description().version);
      plugins_.push_back(LoadedPlugin{std::move(library), std::move(plugin), std::move(host)});
    } catch (const plugins::PluginLoadError& error) {
      throw StartupError(error.what());
    } catch (const config::ConfigError&) {
      throw;
    } catch (const std::exception& error) {
      throw StartupError(fmt::format("plugin '{}' failed in setup: {}", name, error.what()));
    }
  }
}

db::MigrationReport Application::open() {
  auto report = open_database();
  try {
    tasks_->open(config_.queue, *database_);
    if (config_.queue.backend == "redis") {
      events_ = std::make_unique<events::RedisEventBus>(
          tasks::redis::parse_redis_url(config_.queue.redis_url),
          config_.queue.redis_prefix + "events", log::logger("events"));
      services_.events = events_.get();
    }
    limits_ = limits::make_rate_limiter(config_.queue, *database_);
    services_.limits = limits_.get();
    http_client_ = std::make_unique<http_client::CurlClient>(config_.http_client, limits_.get());
    services_.http_client = http_client_.get();
    change_feed_ = std::make_unique<changes::SqlChangeFeed>(*database_);
    services_.changes = change_feed_.get();
  } catch (const std::exception& error) {
    throw StartupError(error.what());
  }
  return report;
}

db::MigrationReport Application::open_database() {
  try {
    auto target = db::parse_database_url(
        config_.database.url,
        static_cast<int>(std::max<std::int64_t>(1, config_.database.busy_timeout.count() / 1000)));
    database_ = std::make_unique<db::ConnectionPool>(target, config_.database.pool_size,
                                                     config_.database.busy_timeout);
    std::vector<std::string> subsystems{"core"};
    for (const auto& loaded : plugins_) subsystems.push_back(loaded.host->name());
    auto migrations = db::discover_migrations(sql_dir(), subsystems, target.dialect);
    auto report = db::apply_migrations(*database_, sql_dir(), migrations);
    services_.database = database_.get();
    return report;
  } catch (const std::exception& error) {
    throw StartupError(error.what());
  }
}

void Application::start_listeners() {
  auto add_server = [&](http::Router& router, const config::ListenAddress& address,
                        std::string_view purpose, http::TokenVerifier verify_token) {
    auto& dispatcher = *dispatchers_.emplace_back(std::make_unique<http::Dispatcher>(
        router, config_.log.access, log::logger("http"), std::move(verify_token),
        config_.server.validate_responses, tasks::dependency_outage));
    metrics_.add([&dispatcher](std::string& out) { dispatcher.render_metrics(out); });
    auto& server = *servers_.emplace_back(std::make_unique<http::Server>(
        config_.server, address, dispatcher, *handler_pool_, log::logger("http")));
    server.start();
    log_->info("listening on http://{}:{} ({}, role {})", address.host, server.port(), purpose,
               role_name(role_));
  };
  handler_pool_ = std::make_unique<boost::asio::thread_pool>(config_.server.handler_threads);
  std::vector<ReadinessCheck> checks{
      {"database", [this] { return database_->ping(std::chrono::milliseconds(1000)); }},
      {"queue", [this] { return tasks_->ping(); }}};
  if (role_ == Role::worker) {
    add_probe_routes(probe_router_, checks, metrics_, true);
    add_server(probe_router_, config_.worker.listen, "probes and metrics", {});
    return;
  }
  add_probe_routes(api_router_, checks, metrics_, config_.auth.public_metrics);
  add_openapi_route(api_router_);
  console::add_console_routes(api_router_, console_);
  add_server(api_router_, config_.server.listen, "api",
             [this](std::string_view token) { return auth_->authenticate(token); });
}

int Application::serve(const sigset_t& signals) {
  if (role_ != Role::worker) {
    auth_ = std::make_unique<auth::AuthService>(
        config_.auth, auth::load_signing_secret(config_.auth, *log_), *database_,
        log::logger("auth"));
  }
  metrics_.add([](std::string& out) {
    out += "# HELP orchestra_build_info Version of this binary.\n";
    out += "# TYPE orchestra_build_info gauge\n";
    out += fmt::format("orchestra_build_info{{version=\"{}\",compiler=\"{}\"}} 1\n",
                       ORCHESTRA_VERSION, metrics::label_value(__VERSION__));
  });
  for (auto& loaded : plugins_) {
    try {
      loaded.plugin->start();
      ++started_plugins_;
    } catch (const std::exception& error) {
      throw StartupError(
          fmt::format("plugin '{}' failed to start: {}", loaded.host->name(), error.what()));
    }
  }
  tasks_->add_metrics(metrics_);
  if (role_ != Role::worker) {
    tasks_->add_routes(api_router_);
    auth_->add_routes(api_router_);
  }
  // The worker first: once "listening" is logged, nothing the routes use
  // changes any more.
  if (role_ != Role::api) tasks_->start_worker(config_.worker);
  start_listeners();
  int signal = 0;
  sigwait(&signals, &signal);
  log_->info("received {}, draining (grace {} ms)", signal == SIGTERM ? "SIGTERM" : "SIGINT",
             config_.server.shutdown_grace.count());
  for (auto& server : servers_) server->drain();
  auto deadline = std::chrono::steady_clock::now() + config_.server.shutdown_grace;
  bool clean = tasks_->stop(config_.server.shutdown_grace);
  for (auto& server : servers_) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    clean = server->wait_closed(std::max(left, std::chrono::milliseconds(0))) && clean;
  }
  if (!clean) {
    // A handler blocked in plugin code cannot be interrupted, and unloading
    // the plugin under it would crash: leave without running destructors.
    log_->warn("grace period over; abandoning the requests and tasks still in flight");
    spdlog::apply_all([](const std::shared_ptr<spdlog::logger>& logger) { logger->flush(); });
    std::_Exit(0);
  }
  shut_down();
  log_->info("stopped");
  return 0;
}

void Application::shut_down() {
  if (tasks_) tasks_->stop(std::chrono::milliseconds(0));
  for (auto& server : servers_) server->stop();
  if (handler_pool_) handler_pool_->join();
  for (; started_plugins_ > 0; --started_plugins_) {
    auto& loaded = plugins_[started_plugins_ - 1];
    try {
      loaded.plugin->stop();
    } catch (const std::exception& error) {
      log_->error("plugin '{}' failed to stop: {}", loaded.host->name(), error.what());
    }
  }
  servers_.clear();
  dispatchers_.clear();
}

}  // namespace orchestra::app
