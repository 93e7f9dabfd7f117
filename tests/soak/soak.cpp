// The chaos soak's driver (scripts/soak.sh starts PostgreSQL and Redis and
// runs it): two api and three worker processes under a mixed workload,
// through the public REST API only, while faults are injected; then every
// job is checked and one table printed. Exits 1 on any loss, wrong result,
// duplicate or process that exited on its own; 2 when it could not run.
//
//   soak --minutes N --backend redis|sql --database-url URL --redis-url URL
//        --services DIR --log-dir DIR [--seed S]
//
// --services is the directory scripts/services.sh started the servers in;
// the driver restarts them with `scripts/services.sh crash_restart_* DIR`.

#include "cluster.hpp"
#include "fault_kinds.hpp"
#include "report.hpp"
#include "workloads.hpp"

#include "support/fake_steam.hpp"
#include "support/webhook_receiver.hpp"

#include <fmt/format.h>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <thread>

namespace soak {
namespace {

using namespace std::chrono_literals;

constexpr int kInitialSteamApps = 30;
// How long the end waits for the last jobs: beyond every lease and retry
// delay the configuration sets.
constexpr auto kDrain = 120s;

struct Options {
  double minutes = 2;
  std::string backend = "redis";
  std::string database_url;
  std::string redis_url;
  std::string services_dir;
  std::string log_dir;
  unsigned seed = std::random_device{}();
};

Options parse_options(int argc, char** argv) {
  Options options;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string name = argv[i];
    std::string value = argv[i + 1];
    if (name == "--minutes") options.minutes = std::stod(value);
    else if (name == "--backend") options.backend = value;
    else if (name == "--database-url") options.database_url = value;
    else if (name == "--redis-url") options.redis_url = value;
    else if (name == "--services") options.services_dir = value;
    else if (name == "--log-dir") options.log_dir = value;
    else if (name == "--seed") options.seed = static_cast<unsigned>(std::stoul(value));
    else throw std::invalid_argument("unknown option " + name);
  }
  if (options.database_url.empty() || options.redis_url.empty() || options.services_dir.empty() ||
      options.log_dir.empty() || options.minutes <= 0 ||
      (options.backend != "redis" && options.backend != "sql")) {
    throw std::invalid_argument(
        "usage: soak --minutes N --backend redis|sql --database-url URL --redis-url URL "
        "--services DIR --log-dir DIR [--seed S]");
  }
  return options;
}

// Runs `scripts/services.sh ACTION DIR`; throws when the server does not
// come back, since nothing after that would mean anything.
void crash_restart(const std::string& action, const std::string& services_dir) {
  auto command = fmt::format("bash '{}/scripts/services.sh' {} '{}' 2", ORCHESTRA_SOURCE_DIR, action,
                             services_dir);
  if (std::system(command.c_str()) != 0) throw std::runtime_error(action + " failed");
}

// Injects the faults until `end`: a worker SIGKILLed and replaced every
// 5-15 s, and once each, at fixed fractions of the run, an api process
// SIGKILLed and restarted, Redis and PostgreSQL SIGKILLed and restarted,
// and a worker SIGSTOPped past its task lease and resumed.
class FaultInjector {
 public:
  FaultInjector(Cluster& cluster, Api& api, FaultLog& log, const Options& options)
      : cluster_(cluster), api_(api), log_(log), options_(options), random_(options.seed) {}

  std::vector<std::string> run(Steady::time_point start, Steady::time_point end) {
    auto at = [&](double fraction) {
      return start + std::chrono::duration_cast<Steady::duration>((end - start) * fraction);
    };
    std::vector<std::pair<Steady::time_point, void (FaultInjector::*)()>> once{
        {at(0.2), &FaultInjector::kill_api}, {at(0.4), &FaultInjector::restart_redis},
        {at(0.6), &FaultInjector::restart_postgres}, {at(0.8), &FaultInjector::pause_worker}};
    auto next_kill = Steady::now() + next_kill_delay();
    std::vector<std::string> exits;
    while (Steady::now() < end) {
      if (!once.empty() && Steady::now() >= once.front().first) {
        (this->*once.front().second)();
        once.erase(once.begin());
      } else if (Steady::now() >= next_kill) {
        kill_worker();
        next_kill = Steady::now() + next_kill_delay();
      }
      for (auto& exit : cluster_.restart_exited()) exits.push_back(std::move(exit));
      std::this_thread::sleep_for(100ms);
    }
    return exits;
  }

 private:
  Steady::duration next_kill_delay() {
    return std::chrono::milliseconds(std::uniform_int_distribution<int>(5000, 15000)(random_));
  }

  void kill_worker() {
    auto fault = log_.begin(fault::kWorkerKill);
    cluster_.kill_and_replace_worker(random_);
    log_.end(fault);
  }

  void kill_api() {
    auto fault = log_.begin(fault::kApiKill);
    cluster_.kill_and_restart_api(0);
    api_.set_port(0, cluster_.api_ports()[0]);
    log_.end(fault);
  }

  void restart_redis() {
    auto fault = log_.begin(fault::kRedisRestart);
    crash_restart("crash_restart_redis", options_.services_dir);
    log_.end(fault);
  }

  void restart_postgres() {
    auto fault = log_.begin(fault::kPostgresRestart);
    crash_restart("crash_restart_postgres", options_.services_dir);
    log_.end(fault);
  }

  void pause_worker() {
    auto fault = log_.begin(fault::kWorkerPause);
    cluster_.pause_worker(random_);
    std::this_thread::sleep_for(2 * kTaskLease + 2s);
    cluster_.resume_workers();
    log_.end(fault);
  }

  Cluster& cluster_;
  Api& api_;
  FaultLog& log_;
  const Options& options_;
  std::mt19937 random_;
};

// Runs each workload on its own thread until `stop`; a workload that
// throws stops there and its message is kept.
std::vector<std::jthread> start_workloads(const std::vector<Workload*>& workloads,
                                          const std::atomic<bool>& stop,
                                          std::vector<std::string>& failures, std::mutex& mutex) {
  std::vector<std::jthread> threads;
  for (auto* workload : workloads) {
    threads.emplace_back([workload, &stop, &failures, &mutex] {
      try {
        while (!stop) workload->submit_next();
      } catch (const std::exception& error) {
        std::lock_guard lock(mutex);
        failures.emplace_back(error.what());
      }
    });
  }
  return threads;
}

int run(const Options& options) {
  auto work = std::filesystem::path(options.log_dir).parent_path();
  auto blobs = work / "blobs";
  std::filesystem::create_directories(blobs);
  std::cout << fmt::format("soak: {} min, queue {}, seed {}", options.minutes, options.backend,
                           options.seed)
            << std::endl;

  orchestra::testing::FakeSteam steam(kInitialSteamApps);
  orchestra::testing::WebhookReceiver receiver;
  Cluster cluster({options.database_url, options.redis_url, options.backend, blobs, steam.url(),
                   options.log_dir});
  Api api(cluster.api_ports());
  FaultLog faults(kTaskLease + 2s);

  CalculatorLoad calculator(api, options.seed);
  CsvLoad csv(api, blobs, options.seed + 1);
  SteamLoad steam_load(api, steam, faults, kInitialSteamApps);
  NotificationsLoad notifications(api, receiver);
  SearchLoad search(api, faults);
  std::vector<Workload*> workloads{&calculator, &csv, &steam_load, &notifications, &search};

  std::atomic<bool> stop{false};
  std::vector<std::string> failures;
  std::mutex mutex;
  auto start = Steady::now();
  auto end = start + std::chrono::duration_cast<Steady::duration>(
                         std::chrono::duration<double, std::ratio<60>>(options.minutes));
  Report report{fmt::format("Soak: {} min, queue {}, PostgreSQL, faults injected", options.minutes,
                            options.backend)};
  {
    auto threads = start_workloads(workloads, stop, failures, mutex);
    // Destroyed before the threads are joined, also when a fault throws.
    struct StopOnExit {
      std::atomic<bool>& stop;
      ~StopOnExit() { stop = true; }
    } stop_on_exit{stop};
    std::cout << "soak: workload and faults running" << std::endl;
    report.unexpected_exits = FaultInjector(cluster, api, faults, options).run(start, end);
  }
  std::cout << "soak: submitting stopped; waiting for every job to end" << std::endl;
  auto deadline = Steady::now() + kDrain;
  for (auto* workload : workloads) report.outcomes.push_back(workload->settle(deadline));
  report.faults = faults.counts();
  report.samples = api.samples();
  report.fault_log = &faults;
  report.print(std::cout);
  for (const auto& failure : failures) std::cout << "soak: a workload stopped: " << failure << "\n";
  return report.passed() && failures.empty() ? 0 : 1;
}

}  // namespace
}  // namespace soak

int main(int argc, char** argv) {
  try {
    return soak::run(soak::parse_options(argc, argv));
  } catch (const std::exception& error) {
    std::cerr << "soak: " << error.what() << std::endl;
    return 2;
  }
}
