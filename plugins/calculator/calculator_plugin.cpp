// The calculator plugin: users submit arithmetic expressions; every
// operation runs as its own task, independent ones in parallel on any
// worker; users poll for the result.

#include "agent_heartbeat.hpp"
#include "calculator_routes.hpp"
#include "expression_store.hpp"
#include "operation_task.hpp"

#include <orchestra/clock.hpp>
#include <orchestra/plugin.hpp>

#include <fmt/format.h>

namespace calculator {
namespace {

constexpr const char* kPurgeType = "calculator.purge";

class CalculatorPlugin final : public orchestra::Plugin {
 public:
  void setup(orchestra::Host& host) override {
    host_ = &host;
    const auto& config = host.config();
    settings_.limits.max_length =
        static_cast<std::size_t>(config.get_int("max_length", 1000, 1, 1'000'000));
    settings_.limits.max_operations =
        static_cast<std::size_t>(config.get_int("max_operations", 500, 1, 100'000));
    settings_.required_scope = config.get<std::string>("required_scope", "");
    settings_.max_wait = config.get("max_wait", std::chrono::milliseconds(60'000));
    settings_.max_waiting = static_cast<int>(config.get_int("max_waiting", 4, 0, 1024));
    heartbeat_interval_ = config.get("agent_heartbeat", std::chrono::milliseconds(2'000));
    settings_.agent_timeout = config.get("agent_timeout", std::chrono::milliseconds(10'000));
    computing_power_ = static_cast<int>(config.get_int("computing_power", 8, 1, 100'000));
    retention_ = config.get("operation_retention", std::chrono::milliseconds(7LL * 86'400'000));

    orchestra::tasks::TaskOptions options;
    options.priority = orchestra::tasks::kUserPriority;
    options.max_attempts = 5;
    // Operations wait out their duration without a thread, so how many one
    // worker process computes at once is this, not worker.concurrency.
    options.concurrency = computing_power_;
    // How soon another worker re-runs the operations of a worker that died.
    options.lease = config.get("operation_lease", std::chrono::milliseconds(30'000));
    host.tasks().define(
        kOperationType,
        [this](orchestra::tasks::TaskContext& context) { return (*handler_)(context); }, options);
    host.tasks().define(kPurgeType, [this](orchestra::tasks::TaskContext&) {
      auto removed = store_->purge(orchestra::unix_ms() - retention_.count());
      return fmt::format(R"({{"operations_removed":{}}})", removed);
    });
    host.schedules().every("purge", std::chrono::hours(1), kPurgeType);
    routes_ = std::make_unique<CalculatorRoutes>(host, store_, finished_, settings_);
    routes_->add(host.http());
  }

  void start() override {
    store_ = std::make_unique<ExpressionStore>(host_->db());
    durations_ = std::make_unique<Durations>(*store_);
    handler_ = std::make_unique<OperationHandler>(*store_, *durations_, in_progress_, finished_);
    if (host_->role() != orchestra::Role::api) {
      const auto& worker = host_->worker();
      heartbeat_ = std::make_unique<AgentHeartbeat>(
          *store_, Agent{worker.name, computing_power_, 0, orchestra::unix_ms(), 0}, in_progress_,
          heartbeat_interval_, host_->log());
    }
  }

  void stop() override { heartbeat_.reset(); }

 private:
  orchestra::Host* host_ = nullptr;
  RouteSettings settings_;
  std::chrono::milliseconds heartbeat_interval_{2'000};
  std::chrono::milliseconds retention_{0};
  int computing_power_ = 8;
  InProgress in_progress_;
  FinishSignal finished_;
  std::unique_ptr<ExpressionStore> store_;
  std::unique_ptr<Durations> durations_;
  std::unique_ptr<OperationHandler> handler_;
  std::unique_ptr<CalculatorRoutes> routes_;
  std::unique_ptr<AgentHeartbeat> heartbeat_;
};

}  // namespace
}  // namespace calculator

ORCHESTRA_PLUGIN(calculator::CalculatorPlugin, "calculator", "1.0.0",
                 "Distributed evaluation of arithmetic expressions")
