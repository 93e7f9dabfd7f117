#pragma once
// A worker process computing operations reports itself every `interval`:
// name, computing power, operations computing now. GET /agents reads these rows.

#include "expression_store.hpp"
#include "in_progress.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <spdlog/logger.h>
#include <thread>

namespace calculator {

class AgentHeartbeat {
 public:
  AgentHeartbeat(ExpressionStore& store, Agent identity, InProgress& running,
                 std::chrono::milliseconds interval, std::shared_ptr<spdlog::logger> log);
  ~AgentHeartbeat();
  AgentHeartbeat(const AgentHeartbeat&) = delete;
  AgentHeartbeat& operator=(const AgentHeartbeat&) = delete;

 private:
  void beat();
  void loop(std::stop_token stop);

  ExpressionStore& store_;
  Agent agent_;
  InProgress& running_;
  std::chrono::milliseconds interval_;
  std::shared_ptr<spdlog::logger> log_;
  std::mutex mutex_;
  std::condition_variable_any wake_;
  std::jthread thread_;  // last: stops first
};

}  // namespace calculator
