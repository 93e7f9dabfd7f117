#include "agent_heartbeat.hpp"

#include <orchestra/clock.hpp>

namespace calculator {

AgentHeartbeat::AgentHeartbeat(ExpressionStore& store, Agent identity,
                               InProgress& running, std::chrono::milliseconds interval,
                               std::shared_ptr<spdlog::logger> log)
    : store_(store),
      agent_(std::move(identity)),
      running_(running),
      interval_(interval),
      log_(std::move(log)),
      thread_([this](std::stop_token stop) { loop(stop); }) {}

AgentHeartbeat::~AgentHeartbeat() {
  thread_.request_stop();
  wake_.notify_all();
}

void AgentHeartbeat::beat() {
  agent_.running = running_.count();
  agent_.last_heartbeat_at = orchestra::unix_ms();
  try {
    store_.heartbeat(agent_);
  } catch (const std::exception& error) {
    log_->warn("agent heartbeat failed: {}", error.what());
  }
}

void AgentHeartbeat::loop(std::stop_token stop) {
  while (!stop.stop_requested()) {
    beat();
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, stop, interval_, [] { return false; });
  }
}

}  // namespace calculator
