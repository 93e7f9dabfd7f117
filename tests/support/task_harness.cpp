#include "support/task_harness.hpp"

#include "db/migrations.hpp"
#include "db/url.hpp"
#include "log/logging.hpp"
#include "tasks/redis/redis_client.hpp"

#include <orchestra/json.hpp>

#include <doctest/doctest.h>

#include <fmt/format.h>

#include <cstdlib>
#include <random>
#include <thread>

namespace orchestra::testing {

using namespace std::chrono_literals;
using tasks::TaskContext;
using tasks::TaskOptions;

const char* backend_name(Backend backend) {
  switch (backend) {
    case Backend::sqlite: return "sqlite";
    case Backend::postgres: return "postgres";
    case Backend::redis: return "redis";
  }
  return "?";
}

std::vector<Backend> backends_under_test() {
  std::vector<Backend> backends{Backend::sqlite};
  for (auto [backend, variable] : {std::pair{Backend::postgres, "ORCHESTRA_TEST_POSTGRES_URL"},
                                   std::pair{Backend::redis, "ORCHESTRA_TEST_REDIS_URL"}}) {
    if (std::getenv(variable) != nullptr) {
      backends.push_back(backend);
    } else if (std::getenv("CI") != nullptr) {
      FAIL_CHECK(variable << " is not set; run ./scripts/test.sh");
    }
  }
  return backends;
}

namespace {

std::unique_ptr<db::ConnectionPool> open_pool(const std::string& url) {
  auto target = db::parse_database_url(url, 5);
  return std::make_unique<db::ConnectionPool>(target, 8, std::chrono::milliseconds(5000));
}

std::int64_t payload_int(const std::string& payload, const char* field) {
  auto document = json::parse_object(payload);
  return json::ObjectReader(document).optional<std::int64_t>(field).value_or(0);
}

std::atomic<int> exclusive_running{0};
std::atomic<int> exclusive_peak_seen{0};
std::atomic<int> waiting_running{0};
std::atomic<int> waiting_peak_seen{0};

void note_peak(std::atomic<int>& peak_seen, int now) {
  for (int peak = peak_seen; now > peak && !peak_seen.compare_exchange_weak(peak, now);) {
  }
}
std::mutex throttled_mutex;
std::vector<std::chrono::steady_clock::time_point> throttled_started;

void count_execution(const std::string& id) {
  std::lock_guard lock(TaskHarness::executions_mutex());
  ++TaskHarness::executions()[id];
}

}  // namespace

std::map<std::string, int>& TaskHarness::executions() {
  static std::map<std::string, int> counts;
  return counts;
}

std::atomic<int>& TaskHarness::exclusive_peak() { return exclusive_peak_seen; }
std::atomic<int>& TaskHarness::waiting_peak() { return waiting_peak_seen; }

std::vector<std::chrono::steady_clock::time_point> TaskHarness::throttled_starts() {
  std::lock_guard lock(throttled_mutex);
  return throttled_started;
}

int TaskHarness::runs_of(const std::string& id) {
  std::lock_guard lock(executions_mutex());
  return executions()[id];
}

std::mutex& TaskHarness::executions_mutex() {
  static std::mutex mutex;
  return mutex;
}

TaskHarness::TaskHarness(Backend backend) : backend_(backend) {
  redis_prefix_ = fmt::format("test{}:", std::random_device{}());
  if (backend != Backend::postgres) {
    // Four slashes: an absolute path.
    url_ = "sqlite:///" + (dir_.path() / "tasks.db").string();
  } else {
    std::string base = std::getenv("ORCHESTRA_TEST_POSTGRES_URL");
    schema_ = fmt::format("tasks_{}", std::random_device{}());
    open_pool(base)->pool().at(0) << "CREATE SCHEMA " + schema_;
    url_ = base + (base.find('?') == std::string::npos ? "?" : "&") +
           "options=-csearch_path%3D" + schema_;
  }
  database_ = open_pool(url_);
  auto root = std::filesystem::path(ORCHESTRA_SOURCE_DIR) / "sql";
  db::apply_migrations(*database_, root,
                       db::discover_migrations(root, {"core"}, database_->dialect()));
  service_ = std::make_unique<tasks::TaskService>(log::logger("tasks-test"));
  define_test_types(*service_);
}

TaskHarness::~TaskHarness() {
  service_.reset();
  extra_databases_.clear();
  if (backend_ == Backend::redis) {
    try {
      tasks::redis::RedisClient client(
          tasks::redis::parse_redis_url(std::getenv("ORCHESTRA_TEST_REDIS_URL")), 1);
      auto keys = client.command({"KEYS", redis_prefix_ + "*"});
      for (std::size_t i = 0; i < keys.get()->elements; ++i) {
        client.command({"DEL", tasks::redis::as_string(keys.get()->element[i])});
      }
    } catch (const std::exception&) {
    }
  }
  database_.reset();
  if (backend_ == Backend::postgres) {
    try {
      auto pool = open_pool(std::getenv("ORCHESTRA_TEST_POSTGRES_URL"));
      pool->pool().at(0) << "SET client_min_messages TO WARNING";
      pool->pool().at(0) << "DROP SCHEMA " + schema_ + " CASCADE";
    } catch (const std::exception&) {
    }
  }
}

config::QueueConfig TaskHarness::queue_config() const {
  config::QueueConfig config;
  if (backend_ == Backend::redis) {
    config.backend = "redis";
    config.redis_url = std::getenv("ORCHESTRA_TEST_REDIS_URL");
    config.redis_prefix = redis_prefix_;
  }
  return config;
}

void TaskHarness::open() { service_->open(queue_config(), *database_); }

std::unique_ptr<tasks::TaskService> TaskHarness::another_service() {
  auto service = std::make_unique<tasks::TaskService>(log::logger("tasks-test-2"));
  define_test_types(*service);
  auto& pool = *extra_databases_.emplace_back(open_pool(url_));
  service->open(queue_config(), pool);
  return service;
}

void TaskHarness::start_worker(int concurrency, std::string name, int schedule_catch_up) {
  config::WorkerConfig worker;
  worker.name = std::move(name);
  worker.concurrency = concurrency;
  worker.poll_interval = 20ms;
  worker.reclaim_interval = 100ms;
  worker.schedule_catch_up = schedule_catch_up;
  service_->start_worker(worker);
}

tasks::TaskRecord TaskHarness::wait_for(const std::string& id, tasks::State state,
                                        std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::optional<tasks::TaskRecord> record;
  while (std::chrono::steady_clock::now() < deadline) {
    record = queue().get(id);
    if (record && record->state == state) return *record;
    std::this_thread::sleep_for(10ms);
  }
  FAIL_CHECK("task " << id << " did not reach " << tasks::state_name(state) << "; it is "
                     << (record ? tasks::state_name(record->state) : "missing"));
  return record.value_or(tasks::TaskRecord{});
}

void TaskHarness::define_test_types(tasks::TaskService& service) {
  auto& types = service.types();
  TaskOptions quick;
  quick.backoff.initial = 20ms;
  quick.backoff.max = 100ms;
  quick.lease = 1000ms;  // heartbeats every 333 ms leave slack on a loaded CI machine
  types.define("test", "test.noop", [](TaskContext& context) {
    count_execution(context.id());
    return std::string("{}");
  }, quick);
  types.define("test", "test.value", [](TaskContext& context) { return context.payload(); },
               quick);
  types.define("test", "test.sum", [](TaskContext& context) {
    std::int64_t total = 0;
    for (const auto& [id, result] : context.dependency_results()) {
      total += payload_int(result, "value");
    }
    return fmt::format(R"({{"value":{}}})", total);
  }, quick);
  types.define("test", "test.flaky", [](TaskContext& context) {
    if (context.attempt() <= payload_int(context.payload(), "fail_times")) {
      throw std::runtime_error(fmt::format("failure {}", context.attempt()));
    }
    return fmt::format(R"({{"attempt":{}}})", context.attempt());
  }, quick);
  // Meets a database outage on its first `outages` runs.
  types.define("test", "test.outage", [](TaskContext& context) {
    count_execution(context.id());
    if (runs_of(context.id()) <= payload_int(context.payload(), "outages")) {
      throw soci::soci_error("Cannot prepare statement. Fatal error. Connection failed.");
    }
    return fmt::format(R"({{"attempt":{}}})", context.attempt());
  }, quick);
  types.define("test", "test.permanent", [](TaskContext&) -> std::string {
    throw tasks::PermanentError("never");
  }, quick);
  TaskOptions exclusive = quick;
  exclusive.concurrency = 1;
  types.define("test", "test.exclusive", [](TaskContext&) {
    note_peak(exclusive_peak_seen, ++exclusive_running);
    std::this_thread::sleep_for(50ms);
    --exclusive_running;
    return std::string("{}");
  }, exclusive);
  TaskOptions throttled = quick;
  throttled.rate_per_second = 5;
  types.define("test", "test.throttled", [](TaskContext&) {
    std::lock_guard lock(throttled_mutex);
    throttled_started.push_back(std::chrono::steady_clock::now());
    return std::string("{}");
  }, throttled);
  // Waits `times` times for `ms` as Steps, counting its waits in its state;
  // returns how many it saw and whether the last run was resumed.
  auto waiter = [](TaskContext& context) -> tasks::Step {
    if (!context.resumed()) {
      count_execution(context.id());
      note_peak(waiting_peak_seen, ++waiting_running);
    }
    int waits = context.state().empty() ? 0 : std::stoi(context.state());
    if (!context.cancelled() && waits < payload_int(context.payload(), "times")) {
      return tasks::Step::wait_for(std::chrono::milliseconds(payload_int(context.payload(), "ms")),
                                   std::to_string(waits + 1));
    }
    --waiting_running;
    return fmt::format(R"({{"waits":{},"resumed":{}}})", waits, context.resumed());
  };
  types.define("test", "test.wait", waiter, quick);
  TaskOptions two_at_once = quick;
  two_at_once.concurrency = 2;
  types.define("test", "test.wait_two", waiter, two_at_once);
  types.define("test", "test.sleep", [](TaskContext& context) {
    count_execution(context.id());
    auto until = std::chrono::steady_clock::now() +
                 std::chrono::milliseconds(payload_int(context.payload(), "ms"));
    bool stubborn = context.payload().find("\"stubborn\":true") != std::string::npos;
    while (std::chrono::steady_clock::now() < until) {
      if (!stubborn && context.cancelled()) return std::string(R"({"cancelled":true})");
      std::this_thread::sleep_for(5ms);
    }
    return std::string(R"({"slept":true})");
  }, quick);
}

}  // namespace orchestra::testing
