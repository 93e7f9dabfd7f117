#pragma once
// What the host hands a plugin during setup: its own configuration section
// and the services it may use. Everything is owned by the host and outlives
// the plugin.

#include <orchestra/blobs.hpp>
#include <orchestra/changes.hpp>
#include <orchestra/config.hpp>
#include <orchestra/console.hpp>
#include <orchestra/db.hpp>
#include <orchestra/events.hpp>
#include <orchestra/http.hpp>
#include <orchestra/http_client.hpp>
#include <orchestra/limits.hpp>
#include <orchestra/metrics.hpp>
#include <orchestra/tasks.hpp>

#include <spdlog/logger.h>

#include <memory>
#include <string>

namespace orchestra {

enum class Role { api, worker, all };
std::string_view role_name(Role role);

// This process as a task worker: its name in task records (worker.name,
// default host:pid) and its handler threads (worker.concurrency).
struct WorkerIdentity {
  std::string name;
  int slots = 1;
};

class BOOST_SYMBOL_VISIBLE Host {
 public:
  virtual ~Host() = default;
  // The plugin's name, as enabled in `plugins.enabled`.
  virtual const std::string& name() const = 0;
  virtual Role role() const = 0;
  // Meaningful in the worker and all roles, where this process runs tasks.
  virtual const WorkerIdentity& worker() const = 0;
  // The `plugins.<name>` section; keys the plugin does not read in setup
  // are reported as unknown.
  virtual const ConfigSection& config() const = 0;
  // Routes mounted under /api/v1/<name>/; only served by api and all roles.
  virtual http::Routes& http() = 0;
  // Define task types (setup only) and enqueue tasks (from start() on).
  virtual tasks::Tasks& tasks() = 0;
  // Declare schedules (setup only); workers fire them.
  virtual tasks::Schedules& schedules() = 0;
  // Available from start() on: setup does no I/O.
  virtual db::Database& db() = 0;
  virtual events::EventBus& events() = 0;
  virtual blobs::BlobStore& blobs() = 0;
  // Rate limits shared by every process of the deployment; from start() on.
  virtual limits::RateLimiter& limits() = 0;
  // Outgoing HTTP with the deployment's per-host rate limits; from start() on.
  virtual http::Client& http_client() = 0;
  // The durable feed of document changes; from start() on.
  virtual changes::ChangeFeed& changes() = 0;
  // The plugin's own families on /metrics.
  virtual metrics::Metrics& metrics() = 0;
  // The plugin's page in the web console (setup only).
  virtual console::Console& console() = 0;
  virtual std::shared_ptr<spdlog::logger> log() = 0;
};

}  // namespace orchestra
