// Task system benchmark: enqueue N no-op tasks in batches, then one worker
// runs them all; prints enqueue and end-to-end tasks/s, idle
// enqueue-to-start latency (p50/p99) and the process's peak memory.
//
//   bench_tasks [--backend sqlite|postgres|redis] [--tasks 100000] [--batch 1000]
//               [--concurrency 2] [--samples 300]
// PostgreSQL and Redis come from ORCHESTRA_TEST_POSTGRES_URL and
// ORCHESTRA_TEST_REDIS_URL (scripts/bench.sh starts both).

// The harness reports through doctest; the benchmark only links it.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include "support/task_harness.hpp"
#include "tasks/redis/redis_client.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <atomic>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <thread>

using namespace orchestra;
using namespace std::chrono_literals;
using Steady = std::chrono::steady_clock;

namespace {

struct Options {
  testing::Backend backend = testing::Backend::sqlite;
  int tasks = 100'000;
  int batch = 1000;
  int concurrency = 2;
  int samples = 300;
};

Options parse(int argc, char** argv) {
  Options options;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string key = argv[i], value = argv[i + 1];
    if (key == "--backend") {
      options.backend = value == "postgres" ? testing::Backend::postgres
                        : value == "redis"  ? testing::Backend::redis
                                            : testing::Backend::sqlite;
    } else if (key == "--tasks") {
      options.tasks = std::stoi(value);
    } else if (key == "--batch") {
      options.batch = std::stoi(value);
    } else if (key == "--concurrency") {
      options.concurrency = std::stoi(value);
    } else if (key == "--samples") {
      options.samples = std::stoi(value);
    } else {
      throw std::invalid_argument("unknown option " + key);
    }
  }
  return options;
}

std::string peak_memory() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.starts_with("VmHWM:")) return line.substr(6);
  }
  return "?";
}

std::atomic<std::int64_t> finished{0};
std::mutex started_mutex;
std::map<std::string, Steady::time_point> started_at;

void define_bench_types(tasks::TaskService& service) {
  service.types().define("bench", "bench.noop", [](tasks::TaskContext&) {
    ++finished;
    return std::string("{}");
  }, {});
  service.types().define("bench", "bench.probe", [](tasks::TaskContext& context) {
    auto now = Steady::now();
    std::lock_guard lock(started_mutex);
    started_at[context.id()] = now;
    return std::string("{}");
  }, {});
}

// Seconds of CPU the Redis server has used (user + system), from INFO.
double redis_cpu_seconds() {
  tasks::redis::RedisClient client(
      tasks::redis::parse_redis_url(std::getenv("ORCHESTRA_TEST_REDIS_URL")), 1);
  auto info = tasks::redis::as_string(client.command({"INFO", "cpu"}).get());
  double seconds = 0;
  for (const char* field : {"used_cpu_user:", "used_cpu_sys:"}) {
    auto at = info.find(field);
    if (at != std::string::npos) seconds += std::stod(info.substr(at + std::strlen(field)));
  }
  return seconds;
}

double percentile(std::vector<double> values, double fraction) {
  std::sort(values.begin(), values.end());
  return values[static_cast<std::size_t>(fraction * (values.size() - 1))];
}

}  // namespace

int main(int argc, char** argv) try {
  auto options = parse(argc, argv);
  testing::TaskHarness harness(options.backend);
  define_bench_types(harness.service());
  harness.open();
  // Latency first, on an empty queue: "idle" means nothing else queued.
  harness.start_worker(options.concurrency, "bench");
  std::vector<double> latencies;
  for (int i = 0; i < options.samples; ++i) {
    tasks::NewTask probe;
    probe.type = "bench.probe";
    auto enqueued = Steady::now();
    auto id = harness.enqueue(probe);
    while (true) {
      {
        std::lock_guard lock(started_mutex);
        if (auto it = started_at.find(id); it != started_at.end()) {
          latencies.push_back(std::chrono::duration<double, std::milli>(it->second - enqueued).count());
          break;
        }
      }
      std::this_thread::sleep_for(100us);
    }
    std::this_thread::sleep_for(5ms);
  }
  harness.service().stop(5s);

  std::vector<tasks::NewTask> batch(static_cast<std::size_t>(options.batch));
  for (auto& task : batch) task.type = "bench.noop";

  bool redis = options.backend == testing::Backend::redis;
  double redis_cpu_before_enqueue = redis ? redis_cpu_seconds() : 0;
  auto enqueue_start = Steady::now();
  for (int done = 0; done < options.tasks; done += options.batch) {
    harness.service().enqueue(batch);
  }
  double enqueue_seconds = std::chrono::duration<double>(Steady::now() - enqueue_start).count();

  double redis_cpu_start = redis ? redis_cpu_seconds() : 0;
  auto run_start = Steady::now();
  harness.start_worker(options.concurrency, "bench");
  soci::session session(harness.database().pool());
  // The handlers' own count says when to start asking the backend: a
  // COUNT over 100,000 rows every 20 ms kept a PostgreSQL process busy a
  // quarter of the run, beside the run it measured.
  while (finished < options.tasks) std::this_thread::sleep_for(1ms);
  long long succeeded = 0;
  while (succeeded < options.tasks) {
    if (options.backend == testing::Backend::redis) {
      succeeded = harness.queue().stats().by_state["succeeded"];
    } else {
      session << "SELECT COUNT(*) FROM tasks WHERE state = 'succeeded'", soci::into(succeeded);
    }
    if (succeeded < options.tasks) std::this_thread::sleep_for(5ms);
  }
  double run_seconds = std::chrono::duration<double>(Steady::now() - run_start).count();
  double redis_cpu = redis ? redis_cpu_seconds() - redis_cpu_start : 0;
  auto memory = peak_memory();

  harness.service().stop(5s);

  std::cout << fmt::format(
      "backend={} tasks={} batch={} concurrency={}\n"
      "  enqueue      {:>10.0f} tasks/s\n"
      "  end-to-end   {:>10.0f} tasks/s\n"
      "  idle enqueue-to-start  p50 {:.2f} ms  p99 {:.2f} ms ({} samples)\n"
      "  peak memory {}\n",
      testing::backend_name(options.backend), options.tasks, options.batch,
      options.concurrency, options.tasks / enqueue_seconds, options.tasks / run_seconds,
      percentile(latencies, 0.5), percentile(latencies, 0.99), latencies.size(), memory);
  if (redis) {
    double enqueue_cpu = redis_cpu_start - redis_cpu_before_enqueue;
    std::cout << fmt::format(
        "  redis server CPU while running: {:.1f} us per task, {:.0f}% of one core\n"
        "  redis server CPU, enqueue and run: {:.1f} us per task\n",
        redis_cpu * 1e6 / options.tasks, 100 * redis_cpu / run_seconds,
        (enqueue_cpu + redis_cpu) * 1e6 / options.tasks);
  }
  return 0;
} catch (const std::exception& error) {
  std::cerr << "bench_tasks: " << error.what() << '\n';
  return 1;
}
