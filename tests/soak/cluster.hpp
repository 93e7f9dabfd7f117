#pragma once
// The deployment under test: two api and three worker processes of the real
// binary sharing one PostgreSQL and one Redis, with one configuration. It
// kills, restarts, pauses and resumes them, notices any that exit on their
// own, and keeps every process's log in the log directory.

#include "support/temp_dir.hpp"
#include "support/test_server.hpp"

#include <chrono>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace soak {

struct ClusterSettings {
  std::string database_url;
  std::string redis_url;
  std::string queue_backend;  // redis or sql
  std::filesystem::path blobs_root;
  std::string steam_url;
  std::filesystem::path log_dir;
};

// The task leases the configuration sets (and so how long a paused or dead
// worker's work waits before it runs elsewhere).
inline constexpr std::chrono::seconds kTaskLease{3};

class Cluster {
 public:
  explicit Cluster(ClusterSettings settings);
  ~Cluster();
  Cluster(const Cluster&) = delete;
  Cluster& operator=(const Cluster&) = delete;

  std::vector<std::uint16_t> api_ports() const;
  // SIGKILLs api process `index` and starts it again on the same port.
  void kill_and_restart_api(std::size_t index);
  // SIGKILLs a random running worker and starts a new one in its place.
  void kill_and_replace_worker(std::mt19937& random);
  // SIGSTOPs a random worker; resume_workers() SIGCONTs it.
  void pause_worker(std::mt19937& random);
  void resume_workers();
  // Processes that exited without being killed (restarted in place), as
  // "name: exit code"; each is reported once.
  std::vector<std::string> restart_exited();

 private:
  struct Process {
    std::string name;
    std::string role;
    std::unique_ptr<orchestra::testing::TempDir> dir;
    std::unique_ptr<orchestra::testing::TestServer> server;
    bool paused = false;
  };

  Process start(const std::string& role, std::uint16_t port);
  std::string config(std::uint16_t port) const;
  void retire(Process& process, const std::string& why);

  ClusterSettings settings_;
  int started_ = 0;
  std::vector<Process> apis_;
  std::vector<Process> workers_;
};

}  // namespace soak
