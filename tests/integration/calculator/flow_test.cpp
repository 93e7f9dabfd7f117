// Calculator operations as flows of the real task system on every backend:
// two worker "processes" with eight handler threads each evaluate many
// wide expressions at once; every operation runs exactly once, after its
// inputs, and every expression gets the right result.

#include "support/task_harness.hpp"

#include "db/migrations.hpp"
#include "expression_store.hpp"
#include "graph.hpp"
#include "operation_task.hpp"
#include "parser.hpp"

#include <orchestra/clock.hpp>
#include <doctest/doctest.h>

#include <fmt/format.h>

#include <map>
#include <mutex>
#include <thread>

using namespace orchestra::testing;
using namespace calculator;
using namespace std::chrono_literals;

namespace {

struct Runs {
  std::mutex mutex;
  std::map<std::pair<std::string, std::uint64_t>, int> by_operation;  // (expression, index)
};

orchestra::config::WorkerConfig worker_config(const std::string& name) {
  orchestra::config::WorkerConfig config;
  config.name = name;
  config.concurrency = 8;
  config.poll_interval = 20ms;
  config.reclaim_interval = 200ms;
  return config;
}

void define_operation(orchestra::tasks::TaskService& service, OperationHandler& handler,
                      Runs& runs) {
  orchestra::tasks::TaskOptions options;
  options.max_attempts = 1;  // a parent started too early would fail for good
  service.types().define("calculator", kOperationType,
                         [&](orchestra::tasks::TaskContext& context) {
                           auto result = handler(context);
                           auto payload = context.payload();
                           auto expression = payload.substr(6, payload.find('"', 6) - 6);
                           auto index = std::stoull(payload.substr(payload.find("\"n\":") + 4));
                           std::lock_guard lock(runs.mutex);
                           if (!result.waits()) ++runs.by_operation[{expression, index}];
                           return result;
                         },
                         options);
}

}  // namespace

TEST_CASE("wide expressions: each operation runs once, after its inputs, on two workers") {
  for (auto backend : backends_under_test()) {
    SUBCASE(backend_name(backend)) {
      TaskHarness harness(backend);
      auto root = std::filesystem::path(ORCHESTRA_SOURCE_DIR) / "sql";
      orchestra::db::apply_migrations(
          harness.database(), root,
          orchestra::db::discover_migrations(root, {"core", "calculator"},
                                             harness.database().dialect()));
      ExpressionStore store(harness.database());
      store.set_durations({{"+", 2}, {"*", 2}});
      Durations durations(store);
      InProgress in_progress;
      FinishSignal finished;
      OperationHandler handler(store, durations, in_progress, finished);
      Runs runs;
      define_operation(harness.service(), handler, runs);
      harness.open();
      auto second = harness.another_service();
      define_operation(*second, handler, runs);

      constexpr int kExpressions = 6;
      std::map<std::string, double> expected;
      for (int e = 0; e < kExpressions; ++e) {
        std::string text = "1";
        double sum = 1;
        for (int i = 2; i <= 64; ++i) {
          text += (e % 2 == 0 ? "+" : "+2*") + std::to_string(i);
          sum += (e % 2 == 0 ? 1 : 2) * i;
        }
        auto graph = compile(*parse(text));
        Expression expression;
        expression.id = fmt::format("expr-{}", e);
        expression.user_id = "user";
        expression.req_uid = expression.id;
        expression.text = text;
        expression.created_at = orchestra::unix_ms();
        expression.operations_total = static_cast<int>(graph.operations.size());
        store.insert(expression);
        harness.service().enqueue(operation_tasks(expression.id, "user", graph));
        expected[expression.id] = sum;
      }
      harness.service().start_worker(worker_config("worker-a"));
      second->start_worker(worker_config("worker-b"));

      auto deadline = std::chrono::steady_clock::now() + 60s;
      bool all_done = false;
      while (!all_done && std::chrono::steady_clock::now() < deadline) {
        all_done = true;
        for (const auto& [id, sum] : expected) all_done = all_done && store.find(id)->finished();
        if (!all_done) std::this_thread::sleep_for(20ms);
      }
      second->stop(5s);
      harness.service().stop(5s);
      REQUIRE(all_done);
      for (const auto& [id, sum] : expected) {
        auto expression = *store.find(id);
        CAPTURE(id);
        CHECK(expression.status == "ok");
        CHECK(expression.result == sum);
        CHECK(expression.operations_done == expression.operations_total);
        for (int index = 0; index < expression.operations_total; ++index) {
          CHECK(runs.by_operation[{id, static_cast<std::uint64_t>(index)}] == 1);
        }
      }
    }
  }
}
