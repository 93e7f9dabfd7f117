#include "faults.hpp"

#include <fmt/format.h>

#include <iostream>

namespace soak {

std::size_t FaultLog::begin(const std::string& kind) {
  std::lock_guard lock(mutex_);
  auto now = Steady::now();
  std::cout << fmt::format("soak: +{:.1f} s {}", std::chrono::duration<double>(now - started_).count(),
                           kind)
            << std::endl;
  windows_.push_back({kind, now, Steady::time_point::max()});
  return windows_.size() - 1;
}

void FaultLog::end(std::size_t index) {
  std::lock_guard lock(mutex_);
  windows_.at(index).end = Steady::now() + grace_;
}

bool FaultLog::during_fault(Steady::time_point at) const {
  std::lock_guard lock(mutex_);
  for (const auto& window : windows_) {
    if (at >= window.begin && at <= window.end) return true;
  }
  return false;
}

bool FaultLog::during_fault_of(const std::string& kind, Steady::time_point at) const {
  std::lock_guard lock(mutex_);
  for (const auto& window : windows_) {
    if (window.kind == kind && at >= window.begin && at <= window.end) return true;
  }
  return false;
}

std::map<std::string, int> FaultLog::counts() const {
  std::lock_guard lock(mutex_);
  std::map<std::string, int> counts;
  for (const auto& window : windows_) ++counts[window.kind];
  return counts;
}

std::vector<FaultWindow> FaultLog::windows() const {
  std::lock_guard lock(mutex_);
  return windows_;
}

}  // namespace soak
