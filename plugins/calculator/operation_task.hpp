#pragma once
// One operation of an expression as a task of the core task system. An
// expression's operations are enqueued together as one flow: each task
// depends on the tasks computing its inputs and reads their results, so a
// parent becomes runnable exactly once, when the last input is known.

#include "expression_store.hpp"
#include "finish_signal.hpp"
#include "graph.hpp"
#include "in_progress.hpp"

#include <orchestra/tasks.hpp>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace calculator {

inline constexpr const char* kOperationType = "calculator.operation";

// The flow for `graph` of expression `expression_id`, in graph order.
std::vector<orchestra::tasks::NewTask> operation_tasks(const std::string& expression_id,
                                                       const std::string& owner,
                                                       const Graph& graph);

// Per-operator durations, read from the database at most twice a second.
class Durations {
 public:
  explicit Durations(ExpressionStore& store) : store_(store) {}
  std::chrono::milliseconds of(char op);

 private:
  ExpressionStore& store_;
  std::mutex mutex_;
  std::map<std::string, int> cached_;
  std::chrono::steady_clock::time_point read_at_{};
};

// The task handler of an operation. Its duration is waited out as a
// Step::wait_for, holding no thread; how many operations one worker
// process computes at once is the type's concurrency
// (plugins.calculator.computing_power).
class OperationHandler {
 public:
  OperationHandler(ExpressionStore& store, Durations& durations, InProgress& in_progress,
                   FinishSignal& finished)
      : store_(store), durations_(durations), in_progress_(in_progress), finished_(finished) {}

  // Waits the operator's duration, then returns {"n": index, "v": value}
  // (or "skipped" when the expression already failed).
  orchestra::tasks::Step operator()(orchestra::tasks::TaskContext& context);

 private:
  orchestra::tasks::Step wait_for_row(const std::string& id,
                                      const orchestra::tasks::TaskContext& context);

  ExpressionStore& store_;
  Durations& durations_;
  InProgress& in_progress_;
  FinishSignal& finished_;
};

}  // namespace calculator
