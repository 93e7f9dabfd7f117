#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <string>

namespace calculator {

// The operations this worker process is computing (waiting out their
// duration), for the agent's heartbeat. An operation that never comes back
// (cancelled, or its lease lost while it waited) stops counting a second
// after its duration.
class InProgress {
 public:
  void add(const std::string& task_id, std::chrono::milliseconds duration);
  void remove(const std::string& task_id);
  int count();

 private:
  std::mutex mutex_;
  std::map<std::string, std::chrono::steady_clock::time_point> until_;
};

}  // namespace calculator
