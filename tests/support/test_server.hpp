#pragma once
// Runs the real orchestra binary as a child process in a temp directory,
// the way a user would, and talks to it over real HTTP.

#include "support/temp_dir.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace orchestra::testing {

using Environment = std::map<std::string, std::string>;

// Every child gets ORCHESTRA_AUTH__SECRET=kTestSecret (support/auth.hpp
// signs tokens with it) unless the Environment sets it; set to "" it is
// left out, so the server generates its own.
inline constexpr const char* kSecretVariable = "ORCHESTRA_AUTH__SECRET";

// In an Environment, not passed on: the child's open-file limit.
inline constexpr const char* kOpenFilesLimit = "TEST_RLIMIT_NOFILE";

// A configuration for tests: loopback, any free port, SQLite under the
// working directory, the echo test plugin enabled. `extra` is appended
// (YAML), so it may add sections the base lacks.
std::string test_config(const std::string& extra = {});

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

// Runs `orchestra args...` in `dir` to completion (killed after `timeout`).
CommandResult run_orchestra(const TempDir& dir, const std::vector<std::string>& args,
                            const Environment& env = {},
                            std::chrono::milliseconds timeout = std::chrono::seconds(30));

class TestServer {
 public:
  // Writes `config` to dir/orchestra.yaml, starts the binary with
  // `--role role` and waits until it logs its listening address.
  // Throws std::runtime_error with the server's output if it exits or does
  // not listen within 20 s.
  TestServer(const TempDir& dir, const std::string& role, const std::string& config,
             const Environment& env = {});
  ~TestServer();
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  std::uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }
  void signal(int number) const;
  // Exit code, or nullopt when the process is still running after `timeout`.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);
  std::string output() const;

 private:
  std::filesystem::path log_file_;
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
};

}  // namespace orchestra::testing
