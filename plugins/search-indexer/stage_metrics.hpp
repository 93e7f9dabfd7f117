#pragma once
// Counters of the pipeline's stage runs in this process, per stage and
// source, rendered on /metrics as orchestra_search_indexer_stage_*.

#include "pipeline.hpp"

#include <chrono>
#include <map>
#include <mutex>
#include <string>

namespace search_indexer {

class StageMetrics {
 public:
  // Runs `stage` and counts it: documents, dead ones, failures, time.
  StageResult record(const std::string& stage, const std::string& source,
                     const std::function<StageResult()>& stage_run);
  void render(std::string& out) const;

 private:
  struct Counts {
    std::int64_t runs = 0;
    std::int64_t documents = 0;
    std::int64_t dead = 0;
    std::int64_t failures = 0;
    double seconds = 0;
  };
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, std::string>, Counts> counts_;
};

}  // namespace search_indexer
