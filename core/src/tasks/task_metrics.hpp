#pragma once
// Prometheus metrics of the task system, by task type.

#include "metrics/registry.hpp"

#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace orchestra::tasks {

class TaskMetrics {
 public:
  struct PerType {
    std::atomic<std::uint64_t> enqueued{0};
    std::atomic<std::uint64_t> succeeded{0};
    std::atomic<std::uint64_t> failed{0};  // failed attempts, retried or not
    std::atomic<std::uint64_t> dead{0};
    metrics::Histogram duration;
  };

  // Types are registered before workers start; lookups are then lock-free.
  void add_type(const std::string& type);
  PerType& of(const std::string& type);
  std::atomic<std::uint64_t> lease_reclaims{0};
  std::atomic<std::uint64_t> stale_results{0};

  void render(std::string& out) const;

 private:
  std::map<std::string, std::unique_ptr<PerType>> types_;
  PerType unknown_;
};

}  // namespace orchestra::tasks
