#pragma once
// The soak's one table: work per kind (submitted, ended, in the expected
// state, wrong, lost, duplicated), faults injected per kind, and the api's
// error rate and p99 latency overall and during fault windows.

#include "api.hpp"
#include "faults.hpp"
#include "workloads.hpp"

#include <ostream>
#include <string>
#include <vector>

namespace soak {

struct Report {
  std::string title;
  std::vector<Outcome> outcomes{};
  std::map<std::string, int> faults{};
  std::vector<Sample> samples{};
  const FaultLog* fault_log = nullptr;
  std::vector<std::string> unexpected_exits{};

  // True when nothing was lost, wrong, duplicated or left in another state
  // than expected, and no process exited on its own.
  bool passed() const;
  // A Markdown table, then one line per note.
  void print(std::ostream& out) const;
};

}  // namespace soak
