#pragma once
// One operation of an expression as a task of the core task system. An
// expression's operations are enqueued together as one flow: each task
// depends on the tasks computing its inputs and reads their results, so a
// parent becomes runnable exactly once, when the last input is known.

#include "expression_store.hpp"
#include "finish_signal.hpp"
#include "graph.hpp"

#include <orchestra/tasks.hpp>

#include <atomic>
#include <chrono>
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

class OperationHandler {
 public:
  OperationHandler(ExpressionStore& store, Durations& durations, std::atomic<int>& running,
                   FinishSignal& finished)
      : store_(store), durations_(durations), running_(running), finished_(finished) {}

  // The task handler: returns {"n": index, "v": value} (or "skipped" when
  // the expression already failed).
  std::string operator()(orchestra::tasks::TaskContext& context);

 private:
  Expression wait_for_expression(const std::string& id, orchestra::tasks::TaskContext& context);
  void wait(std::chrono::milliseconds duration, orchestra::tasks::TaskContext& context);

  ExpressionStore& store_;
  Durations& durations_;
  std::atomic<int>& running_;
  FinishSignal& finished_;
};

}  // namespace calculator
