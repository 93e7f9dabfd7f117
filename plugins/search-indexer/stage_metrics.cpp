#include "stage_metrics.hpp"

#include <fmt/format.h>

namespace search_indexer {

StageResult StageMetrics::record(const std::string& stage, const std::string& source,
                                 const std::function<StageResult()>& stage_run) {
  auto started = std::chrono::steady_clock::now();
  auto finish = [&](const StageResult& result, bool failed) {
    std::lock_guard lock(mutex_);
    auto& counts = counts_[{stage, source}];
    ++counts.runs;
    counts.documents += result.done;
    counts.dead += result.dead;
    counts.failures += failed ? 1 : 0;
    counts.seconds +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  };
  try {
    auto result = stage_run();
    finish(result, false);
    return result;
  } catch (...) {
    finish({}, true);
    throw;
  }
}

void StageMetrics::render(std::string& out) const {
  struct Family {
    const char* name;
    const char* help;
    std::function<std::string(const Counts&)> value;
  };
  const Family families[] = {
      {"runs_total", "Stage runs in this process.",
       [](const Counts& c) { return std::to_string(c.runs); }},
      {"documents_total", "Feed entries a stage passed on.",
       [](const Counts& c) { return std::to_string(c.documents); }},
      {"dead_total", "Documents a stage sent to the dead list.",
       [](const Counts& c) { return std::to_string(c.dead); }},
      {"failures_total", "Stage runs that failed (retried with backoff).",
       [](const Counts& c) { return std::to_string(c.failures); }},
      {"seconds_total", "Time spent in stage runs.",
       [](const Counts& c) { return fmt::format("{:.6f}", c.seconds); }},
  };
  std::lock_guard lock(mutex_);
  for (const auto& family : families) {
    auto name = fmt::format("orchestra_search_indexer_stage_{}", family.name);
    out += fmt::format("# HELP {} {}\n# TYPE {} counter\n", name, family.help, name);
    for (const auto& [key, counts] : counts_) {
      out += fmt::format("{}{{stage=\"{}\",source=\"{}\"}} {}\n", name, key.first, key.second,
                         family.value(counts));
    }
  }
}

}  // namespace search_indexer
