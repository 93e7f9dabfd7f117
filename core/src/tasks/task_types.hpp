#pragma once
// The task types every plugin defined during setup, and turning a NewTask
// into a stored TaskSpec with the type's defaults applied.

#include "tasks/task_record.hpp"

#include <orchestra/tasks.hpp>

#include <map>
#include <string>
#include <vector>

namespace orchestra::tasks {

struct Definition {
  std::string type;
  std::string owner;  // plugin name
  Handler handler;
  TaskOptions options;
};

class TaskTypes {
 public:
  // Throws std::invalid_argument for a duplicate, a type outside
  // "<owner>.", or options out of range. An empty queue becomes the
  // owner's.
  void define(const std::string& owner, const std::string& type, Handler handler,
              TaskOptions options);
  const Definition* find(const std::string& type) const;
  std::vector<std::string> names() const;
  // The queues of the defined types, each with weight 1: what a worker
  // serves when worker.queues is not set.
  std::map<std::string, int> queues() const;
  const std::map<std::string, Definition>& all() const { return definitions_; }

  // Resolves defaults, payload and "@N" dependencies. Throws EnqueueError.
  std::vector<TaskSpec> resolve(std::vector<NewTask> tasks) const;

 private:
  std::map<std::string, Definition> definitions_;
};

// Delay before retrying after failed attempt `attempt` (1-based).
std::int64_t backoff_delay_ms(const Backoff& backoff, int attempt);

}  // namespace orchestra::tasks
