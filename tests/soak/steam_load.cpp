#include "workloads.hpp"

#include "fault_kinds.hpp"

#include "support/auth.hpp"

#include <fmt/format.h>

#include <thread>

namespace soak {

using namespace std::chrono_literals;

namespace {

const std::string kAdmin = orchestra::testing::bearer({"admin"}, "soak-admin");
constexpr int kNewAppsPerRefresh = 10;
// The most apps one worker fetches at once (fetch_concurrency x
// batch_size in the cluster's configuration): a fault may interrupt each
// between the store's answer and the commit, so each may be asked again.
constexpr int kAppsInFlightPerWorker = 2 * 5;
constexpr int kWorkers = 3;

// Store requests the faults may legitimately have made twice.
int interrupted_allowance(const std::map<std::string, int>& faults) {
  auto count = [&](const char* kind) {
    auto it = faults.find(kind);
    return it == faults.end() ? 0 : it->second;
  };
  int one_worker = count(fault::kWorkerKill) + count(fault::kWorkerPause);
  int every_worker = count(fault::kPostgresRestart) + count(fault::kRedisRestart);
  return kAppsInFlightPerWorker * (one_worker + kWorkers * every_worker);
}

}  // namespace

SteamLoad::SteamLoad(Api& api, orchestra::testing::FakeSteam& steam, const FaultLog& faults,
                     int initial_apps)
    : api_(api), steam_(steam), faults_(faults), apps_(initial_apps) {}

void SteamLoad::submit_next() {
  if (!tasks_.empty()) {
    steam_.add_apps(kNewAppsPerRefresh);
    apps_ += kNewAppsPerRefresh;
  }
  auto answer = api_.send_until_answered("POST", "/api/v1/steam-sync/tasks/refresh-app-list",
                                         kAdmin);
  if (answer.status == 202) {
    tasks_.emplace_back(text_of(parse_json(answer.body), "task_id"));
  } else {
    notes_.push_back(fmt::format("steam-sync: refresh refused: {} {}", answer.status, answer.body));
  }
  std::this_thread::sleep_for(6s);
}

Outcome SteamLoad::settle(Steady::time_point deadline) {
  Outcome outcome{.kind = "steam-sync app-list refreshes"};
  outcome.submitted = static_cast<int>(tasks_.size());
  outcome.notes = notes_;
  std::vector<std::string> pending = tasks_;
  while (!pending.empty() && Steady::now() < deadline) {
    std::vector<std::string> still;
    for (const auto& id : pending) {
      auto task = parse_json(api_.send("GET", "/api/v1/tasks/" + id, kAdmin).body);
      std::string state = text_of(task, "state");
      if (state != "succeeded" && state != "dead" && state != "cancelled") {
        still.push_back(id);
        continue;
      }
      ++outcome.ended;
      if (state == "succeeded") ++outcome.expected_state;
      else outcome.notes.push_back("steam-sync: refresh " + id + " ended " + state);
    }
    pending = std::move(still);
    if (!pending.empty()) std::this_thread::sleep_for(1s);
  }
  outcome.lost = static_cast<int>(pending.size());

  // Then every app the fake Steam lists must be fetched by the schedule.
  std::int64_t total = 0;
  std::int64_t never_fetched = -1;
  for (;;) {
    auto stats = parse_json(api_.send("GET", "/api/v1/steam-sync/stats", kAdmin).body);
    if (stats.HasMember("never_fetched")) {
      total = stats["apps_total"].GetInt64();
      never_fetched = stats["never_fetched"].GetInt64();
      if (total == apps_ && never_fetched == 0) break;
    }
    if (Steady::now() > deadline) break;
    std::this_thread::sleep_for(1s);
  }
  if (total != apps_ || never_fetched != 0) {
    outcome.lost += static_cast<int>(apps_ - total + std::max<std::int64_t>(never_fetched, 0));
    outcome.notes.push_back(fmt::format("steam-sync: {} apps listed by Steam, {} known, {} never fetched",
                                           apps_, total, never_fetched));
  }

  int extra = 0;
  int apps_asked_again = 0;
  for (int app = 1; app <= apps_; ++app) {
    int requests = steam_.detail_requests(app * 10);
    if (requests > 1) ++apps_asked_again;
    extra += std::max(requests - 1, 0);
  }
  int allowance = interrupted_allowance(faults_.counts());
  outcome.duplicates = std::max(extra - allowance, 0);
  outcome.notes.push_back(fmt::format(
      "steam-sync: {} apps in the fake Steam; {} of them asked from the store more than once ({} extra "
      "requests; up to {} allowed for fetches the faults interrupted)",
      apps_, apps_asked_again, extra, allowance));
  return outcome;
}

}  // namespace soak
