#include "tasks/task_metrics.hpp"

#include <fmt/format.h>

namespace orchestra::tasks {

void TaskMetrics::add_type(const std::string& type) {
  types_.try_emplace(type, std::make_unique<PerType>());
}

TaskMetrics::PerType& TaskMetrics::of(const std::string& type) {
  auto it = types_.find(type);
  return it == types_.end() ? unknown_ : *it->second;
}

void TaskMetrics::render(std::string& out) const {
  auto counter = [&](const char* name, const char* help,
                     std::atomic<std::uint64_t> PerType::*field) {
    out += fmt::format("# HELP {} {}\n# TYPE {} counter\n", name, help, name);
    for (const auto& [type, values] : types_) {
      out += fmt::format("{}{{type=\"{}\"}} {}\n", name, metrics::label_value(type),
                         ((*values).*field).load());
    }
  };
  counter("orchestra_tasks_enqueued_total", "Tasks enqueued by this process.",
          &PerType::enqueued);
  counter("orchestra_tasks_succeeded_total", "Tasks that succeeded in this process.",
          &PerType::succeeded);
  counter("orchestra_tasks_failed_total", "Failed task attempts in this process.",
          &PerType::failed);
  counter("orchestra_tasks_dead_total", "Tasks out of attempts in this process.",
          &PerType::dead);
  out += "# HELP orchestra_task_duration_seconds Handler run time.\n"
         "# TYPE orchestra_task_duration_seconds histogram\n";
  for (const auto& [type, values] : types_) {
    values->duration.render(out, "orchestra_task_duration_seconds",
                            fmt::format("type=\"{}\"", metrics::label_value(type)));
  }
  out += fmt::format(
      "# HELP orchestra_task_lease_reclaims_total Expired leases returned to the queue.\n"
      "# TYPE orchestra_task_lease_reclaims_total counter\n"
      "orchestra_task_lease_reclaims_total {}\n"
      "# HELP orchestra_task_stale_results_total Results discarded: the lease had moved on.\n"
      "# TYPE orchestra_task_stale_results_total counter\n"
      "orchestra_task_stale_results_total {}\n",
      lease_reclaims.load(), stale_results.load());
}

}  // namespace orchestra::tasks
