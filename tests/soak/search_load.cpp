#include "workloads.hpp"

#include "fault_kinds.hpp"

#include "support/auth.hpp"

#include <fmt/format.h>

#include <thread>

namespace soak {

using namespace std::chrono_literals;

namespace {

const std::string kUser = orchestra::testing::bearer({}, "soak-searcher");
// Words of the documents the other workloads make (apps, teams, matches),
// a phrase, a prefix and a typo.
const std::vector<std::string> kQueries{"App", "%22App%201%22", "Soak", "Soak%20Ho", "Cup", "Aplp"};

}  // namespace

void SearchLoad::submit_next() {
  auto started = Steady::now();
  // No retry: each answer is the figure.
  auto answer = api_.send("GET", "/api/v1/search?q=" + kQueries[queries_ % kQueries.size()], kUser);
  ++queries_;
  if (answer.status == 200) {
    ++answered_;
  } else if (faults_.during_fault_of(fault::kApiKill, started) ||
             faults_.during_fault_of(fault::kPostgresRestart, started)) {
    ++excused_;
  } else {
    ++refused_[answer.status];
  }
  std::this_thread::sleep_for(200ms);
}

Outcome SearchLoad::settle(Steady::time_point) {
  Outcome outcome{.kind = "search queries"};
  outcome.submitted = queries_;
  outcome.ended = queries_;
  outcome.expected_state = answered_ + excused_;
  if (excused_ > 0) {
    outcome.notes.push_back(fmt::format(
        "search: {} not answered 200 while an api process or PostgreSQL was down (allowed)", excused_));
  }
  for (const auto& [status, count] : refused_) {
    outcome.notes.push_back(fmt::format("search: {} answered {} outside those faults", count,
                                        status == 0 ? "nothing" : std::to_string(status)));
  }
  return outcome;
}

}  // namespace soak
