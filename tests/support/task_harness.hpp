#pragma once
// A task system on a real database for the conformance suite: SQLite in a
// temp dir or a fresh schema of the PostgreSQL started by scripts/test.sh.

#include "support/temp_dir.hpp"

#include "db/connection_pool.hpp"
#include "tasks/task_service.hpp"

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace orchestra::testing {

enum class Backend { sqlite, postgres, redis };
const char* backend_name(Backend backend);
// The backends to run: SQLite always; PostgreSQL and Redis when
// ORCHESTRA_TEST_POSTGRES_URL / ORCHESTRA_TEST_REDIS_URL are set (a failed
// check when CI=true and they are not).
std::vector<Backend> backends_under_test();

// A doctest SUBCASE per backend under test, with `backend` naming it.
#define FOR_EACH_BACKEND                                   \
  for (auto backend : backends_under_test())               \
    SUBCASE(backend_name(backend))

class TaskHarness {
 public:
  explicit TaskHarness(Backend backend);
  ~TaskHarness();

  db::ConnectionPool& database() { return *database_; }
  tasks::TaskService& service() { return *service_; }
  tasks::TaskQueue& queue() { return service_->queue(); }
  // Opens the backend; call after defining types and schedules.
  void open();
  Backend backend() const { return backend_; }
  config::QueueConfig queue_config() const;
  // A second, independent TaskService on the same database (another
  // "process"), sharing this harness's task types and schedules.
  std::unique_ptr<tasks::TaskService> another_service();
  void start_worker(int concurrency = 2, std::string name = "test-worker",
                    int schedule_catch_up = 1);

  std::string enqueue(tasks::NewTask task) { return service_->enqueue({std::move(task)}).front(); }
  // Polls until the task is in `state`; the last record seen.
  tasks::TaskRecord wait_for(const std::string& id, tasks::State state,
                             std::chrono::milliseconds timeout = std::chrono::seconds(10));

  // Defines the standard test types (test.noop, test.value, test.sum,
  // test.flaky, test.fail, test.permanent, test.sleep, test.outage) on `service`.
  static void define_test_types(tasks::TaskService& service);
  static std::map<std::string, int>& executions();  // task id -> runs
  static std::mutex& executions_mutex();
  static int runs_of(const std::string& id);
  // test.exclusive (concurrency 1): most handlers seen running at once.
  static std::atomic<int>& exclusive_peak();
  // Most test.wait / test.wait_two tasks started and not finished at once.
  static std::atomic<int>& waiting_peak();
  // test.throttled (5 per second): when each run started.
  static std::vector<std::chrono::steady_clock::time_point> throttled_starts();

 private:
  Backend backend_;
  TempDir dir_;
  std::string schema_;
  std::string url_;
  std::string redis_prefix_;
  std::unique_ptr<db::ConnectionPool> database_;
  std::vector<std::unique_ptr<db::ConnectionPool>> extra_databases_;
  std::unique_ptr<tasks::TaskService> service_;
};

}  // namespace orchestra::testing
