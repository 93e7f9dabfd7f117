#include "cluster.hpp"

#include <fmt/format.h>

#include <csignal>
#include <fstream>

namespace soak {

using orchestra::testing::TempDir;
using orchestra::testing::TestServer;
using namespace std::chrono_literals;

namespace {

constexpr int kApis = 2;
constexpr int kWorkers = 3;

}  // namespace

Cluster::Cluster(ClusterSettings settings) : settings_(std::move(settings)) {
  std::filesystem::create_directories(settings_.log_dir);
  // One at a time: the first applies the migrations the others find done.
  for (int i = 0; i < kApis; ++i) apis_.push_back(start("api", 0));
  for (int i = 0; i < kWorkers; ++i) workers_.push_back(start("worker", 0));
}

Cluster::~Cluster() {
  resume_workers();
  for (auto& process : apis_) retire(process, "end of the soak");
  for (auto& process : workers_) retire(process, "end of the soak");
}

std::string Cluster::config(std::uint16_t port) const {
  auto lease = fmt::format("{}s", kTaskLease.count());
  return fmt::format(R"(server:
  listen: 127.0.0.1:{port}
  threads: 1
  handler_threads: 8
  shutdown_grace: 5s
  validate_responses: true
database:
  url: {database}
  pool_size: 6
  migrations_dir: {sources}/sql
queue:
  backend: {backend}
  redis_url: {redis}
worker:
  listen: 127.0.0.1:0
  concurrency: 4
log:
  level: info
  access: false
blobs:
  local:
    roots: [{blobs}]
http_client:
  timeout: 2s
plugins:
  dir: {plugins}
  enabled: [calculator, csv-summer, steam-sync, notifications, search-indexer]
  calculator:
    operation_lease: {lease}
    agent_heartbeat: 500ms
  csv-summer:
    task_lease: {lease}
  steam-sync:
    api_url: {steam}
    store_url: {steam}
    api_key: soak
    countries: [US]
    pick_size: 20
    batch_size: 5
    fetch_concurrency: 2
    task_lease: {lease}
    task_backoff: 1s
    requests: {{attempts: 8, backoff: 50ms, max_backoff: 400ms}}
    schedules: {{pick_stalest: {{every: 1s}}, refresh_app_list: {{enabled: false}}}}
  notifications:
    task_lease: {lease}
    batch_size: 20
    webhooks: {{allow_private_targets: true, retry_schedule: [0s, 1s, 2s, 5s, 10s]}}
  search-indexer:
    task_lease: {lease}
)",
                     fmt::arg("port", port), fmt::arg("database", settings_.database_url),
                     fmt::arg("sources", ORCHESTRA_SOURCE_DIR),
                     fmt::arg("backend", settings_.queue_backend),
                     fmt::arg("redis", settings_.redis_url),
                     fmt::arg("blobs", settings_.blobs_root.string()),
                     fmt::arg("plugins", ORCHESTRA_PLUGIN_DIR), fmt::arg("lease", lease),
                     fmt::arg("steam", settings_.steam_url));
}

Cluster::Process Cluster::start(const std::string& role, std::uint16_t port) {
  Process process;
  process.name = fmt::format("{}-{}", role, ++started_);
  process.role = role;
  process.dir = std::make_unique<TempDir>();
  process.server = std::make_unique<TestServer>(
      *process.dir, role, config(port),
      orchestra::testing::Environment{{"ORCHESTRA_WORKER__NAME", process.name}});
  return process;
}

// Keeps the process's log (a killed process's last words included).
void Cluster::retire(Process& process, const std::string& why) {
  if (!process.server) return;
  process.server->signal(SIGKILL);
  process.server->wait_exit(10s);
  std::ofstream(settings_.log_dir / (process.name + ".log"))
      << process.server->output() << "\n[soak] " << process.name << " stopped: " << why << "\n";
  process.server.reset();
  process.dir.reset();
}

std::vector<std::uint16_t> Cluster::api_ports() const {
  std::vector<std::uint16_t> ports;
  for (const auto& process : apis_) ports.push_back(process.server->port());
  return ports;
}

void Cluster::kill_and_restart_api(std::size_t index) {
  auto& process = apis_.at(index);
  auto port = process.server->port();
  retire(process, "SIGKILL (fault)");
  // The port is free at once: the listener had SO_REUSEADDR.
  process = start("api", port);
}

void Cluster::kill_and_replace_worker(std::mt19937& random) {
  std::vector<std::size_t> running;
  for (std::size_t i = 0; i < workers_.size(); ++i) {
    if (!workers_[i].paused) running.push_back(i);
  }
  auto& process = workers_.at(running.at(random() % running.size()));
  retire(process, "SIGKILL (fault)");
  process = start("worker", 0);
}

void Cluster::pause_worker(std::mt19937& random) {
  auto& process = workers_.at(random() % workers_.size());
  process.server->signal(SIGSTOP);
  process.paused = true;
}

void Cluster::resume_workers() {
  for (auto& process : workers_) {
    if (!process.paused) continue;
    process.server->signal(SIGCONT);
    process.paused = false;
  }
}

std::vector<std::string> Cluster::restart_exited() {
  std::vector<std::string> exited;
  auto check = [&](std::vector<Process>& processes) {
    for (auto& process : processes) {
      auto code = process.server->wait_exit(0ms);
      if (!code) continue;
      exited.push_back(fmt::format("{} exited with {}", process.name, *code));
      std::ofstream(settings_.log_dir / (process.name + ".log"))
          << process.server->output() << "\n[soak] exited on its own with " << *code << "\n";
      auto port = process.role == "api" ? process.server->port() : std::uint16_t{0};
      process.server.reset();
      process = start(process.role, port);
    }
  };
  check(apis_);
  check(workers_);
  return exited;
}

}  // namespace soak
