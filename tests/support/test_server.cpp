#include "support/test_server.hpp"

#include "support/auth.hpp"

#include <csignal>
#include <fcntl.h>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <sys/resource.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char** environ;

namespace orchestra::testing {
namespace {

using namespace std::chrono_literals;

pid_t spawn(const TempDir& dir, const std::vector<std::string>& args, const Environment& env,
            const std::filesystem::path& log_file) {
  std::vector<std::string> arguments{ORCHESTRA_BINARY};
  arguments.insert(arguments.end(), args.begin(), args.end());
  std::vector<std::string> variables;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    std::string text(*entry);
    auto name = text.substr(0, text.find('='));
    // The child sees only the overrides the test chose.
    if (name.starts_with("ORCHESTRA_") && name.find("__") != std::string::npos) continue;
    if (!env.contains(name)) variables.push_back(text);
  }
  for (const auto& [name, value] : env) {
    if (name != kSecretVariable || !value.empty()) variables.push_back(name + "=" + value);
  }
  if (!env.contains(kSecretVariable)) {
    variables.push_back(std::string(kSecretVariable) + "=" + kTestSecret);
  }
  auto to_pointers = [](std::vector<std::string>& strings) {
    std::vector<char*> pointers;
    for (auto& s : strings) pointers.push_back(s.data());
    pointers.push_back(nullptr);
    return pointers;
  };
  auto argv = to_pointers(arguments);
  auto envp = to_pointers(variables);
  // Parsed before fork: the child only calls async-signal-safe functions.
  rlim_t open_files = 0;
  if (auto it = env.find(kOpenFilesLimit); it != env.end()) open_files = std::stoul(it->second);
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    int fd = ::open(log_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, STDOUT_FILENO);
    dup2(fd, STDERR_FILENO);
    if (chdir(dir.path().c_str()) != 0) _exit(126);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    if (open_files > 0) {
      rlimit limit{open_files, open_files};
      setrlimit(RLIMIT_NOFILE, &limit);
    }
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  return pid;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

std::optional<int> wait_for(pid_t pid, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    int status = 0;
    auto result = waitpid(pid, &status, WNOHANG);
    if (result == pid) {
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    if (std::chrono::steady_clock::now() > deadline) return std::nullopt;
    std::this_thread::sleep_for(10ms);
  }
}

}  // namespace

std::string test_config(const std::string& extra) {
  std::string config =
      "server:\n"
      "  listen: 127.0.0.1:0\n"
      "  threads: 2\n"
      "  handler_threads: 4\n"
      "  shutdown_grace: 10s\n"
      "  validate_responses: true\n"
      "database:\n"
      "  url: sqlite:///var/test.db\n"
      "  migrations_dir: " ORCHESTRA_SOURCE_DIR "/sql\n"
      "worker:\n"
      "  listen: 127.0.0.1:0\n"
      "plugins:\n"
      "  dir: " ORCHESTRA_TEST_PLUGIN_DIR "\n"
      "  enabled: [echo]\n";
  return config + extra;
}

CommandResult run_orchestra(const TempDir& dir, const std::vector<std::string>& args,
                            const Environment& env, std::chrono::milliseconds timeout) {
  auto log_file = dir.path() / "command.log";
  auto pid = spawn(dir, args, env, log_file);
  auto code = wait_for(pid, timeout);
  if (!code) {
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
  }
  return CommandResult{code.value_or(-1), read_file(log_file)};
}

TestServer::TestServer(const TempDir& dir, const std::string& role, const std::string& config,
                       const Environment& env)
    : log_file_(dir.path() / ("server-" + role + ".log")) {
  auto config_file = dir.write("orchestra-" + role + ".yaml", config);
  // A restart in the same directory must not read the previous run's log
  // before the child truncates it.
  std::filesystem::remove(log_file_);
  pid_ = spawn(dir, {"--role", role, "--config", config_file.string()}, env, log_file_);
  static const std::regex listening(R"(listening on http://[^:]+:(\d+))");
  auto deadline = std::chrono::steady_clock::now() + 20s;
  while (std::chrono::steady_clock::now() < deadline) {
    std::smatch match;
    auto text = read_file(log_file_);
    if (std::regex_search(text, match, listening)) {
      port_ = static_cast<std::uint16_t>(std::stoi(match[1]));
      return;
    }
    if (auto code = wait_for(pid_, 0ms)) {
      pid_ = -1;
      throw std::runtime_error("orchestra exited with " + std::to_string(*code) +
                               " before listening:\n" + text);
    }
    std::this_thread::sleep_for(20ms);
  }
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
  throw std::runtime_error("orchestra did not listen within 20 s:\n" + read_file(log_file_));
}

TestServer::~TestServer() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

void TestServer::signal(int number) const { kill(pid_, number); }

std::optional<int> TestServer::wait_exit(std::chrono::milliseconds timeout) {
  auto code = wait_for(pid_, timeout);
  if (code) pid_ = -1;
  return code;
}

std::string TestServer::output() const { return read_file(log_file_); }

}  // namespace orchestra::testing
