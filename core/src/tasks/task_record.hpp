#pragma once
// The task as stored by every backend, and the messages between workers
// and backends. Times are Unix milliseconds.

#include <orchestra/tasks.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace orchestra::json {
class Writer;
}

namespace orchestra::tasks {

enum class State { scheduled, queued, running, retrying, succeeded, dead, cancelled };
std::string_view state_name(State state);
std::optional<State> parse_state(std::string_view name);
bool is_live(State state);  // scheduled, queued, running or retrying

std::int64_t now_millis();
std::int64_t to_millis(Clock::time_point time);

// A task ready to be stored: ids and dependencies resolved.
struct TaskSpec {
  std::string id;
  std::string type;
  std::string queue;
  int priority = 0;
  std::string payload;
  int max_attempts = 3;
  std::int64_t run_at = 0;
  std::optional<std::string> unique_key;
  std::int64_t lease_ms = 30'000;
  DependencyPolicy on_dependency_failure = DependencyPolicy::fail;
  std::vector<std::string> depends_on;
  std::optional<std::string> owner;
};

struct TaskRecord {
  std::string id;
  std::string type;
  std::string queue;
  int priority = 0;
  std::string payload;
  State state = State::queued;
  int attempts = 0;
  int max_attempts = 0;
  std::int64_t run_at = 0;
  std::optional<std::string> unique_key;
  std::optional<std::string> lease_owner;
  std::optional<std::int64_t> lease_until;
  double progress = 0;
  std::string progress_message;
  std::optional<std::string> result;
  std::optional<std::string> error;
  std::int64_t created_at = 0;
  std::optional<std::int64_t> started_at;
  std::optional<std::int64_t> finished_at;
  int pending_dependencies = 0;
  bool cancel_requested = false;
  std::optional<std::string> owner;  // principal subject, when a plugin records it
  // Why each failed attempt failed, oldest first; read by get() only.
  struct AttemptError {
    int attempt = 0;
    std::string error;
    std::int64_t failed_at = 0;
  };
  std::vector<AttemptError> attempt_errors;

  // As the API shows it (timestamps RFC 3339); with its `flow` (one
  // task's page), the tasks it waits for and that wait for it, and its
  // attempts' errors too.
  struct Flow {
    std::vector<std::string> depends_on;  // what it waits for
    std::vector<std::string> dependents;  // what waits for it
  };
  void write(json::Writer& out, const std::optional<Flow>& flow = std::nullopt) const;
  std::string to_json() const;
};

// A task a worker now holds. `token` fences the claim: every call about
// the task must carry it, and fails once the task was claimed again.
struct ClaimedTask {
  std::string id;
  std::string type;
  std::string queue;
  std::string payload;
  int attempt = 0;
  int max_attempts = 0;
  std::int64_t token = 0;
  std::int64_t lease_ms = 0;
  std::map<std::string, std::string> dependency_results;
};

struct Outcome {
  enum class Kind { succeeded, retry, dead, cancelled, released };
  std::string id;
  std::int64_t token = 0;
  Kind kind = Kind::succeeded;
  std::string result_or_error;  // result JSON, or the error text
  // For retry; for released, when set: run again then (the error noted),
  // else at once.
  std::int64_t retry_at = 0;
};

struct ListFilter {
  std::optional<State> state;
  std::vector<std::string> types;  // any of these; empty: every type
  std::optional<std::string> queue;
  int limit = 50;
  std::optional<std::string> cursor;  // id to continue after (descending)
  std::optional<std::string> owner;
};

struct TaskPage {
  std::vector<TaskRecord> tasks;
  std::optional<std::string> next_cursor;
};

struct TaskStats {
  std::map<std::string, std::int64_t> by_state;
  std::map<std::string, std::map<std::string, std::int64_t>> by_queue;  // queue -> state -> n
  std::map<std::string, std::map<std::string, std::int64_t>> by_type;   // type -> state -> n
};

struct WorkerInfo {
  std::string name;
  std::vector<std::string> queues;
  std::vector<std::string> current_tasks;
  std::int64_t started_at = 0;
  std::int64_t heartbeat_at = 0;
};

struct ScheduleInfo {
  std::string name;
  std::string spec;
  std::string type;
  bool enabled = true;
  std::optional<std::int64_t> next_fire_at;
  std::optional<std::int64_t> last_fire_at;
  std::optional<std::string> last_task_id;
};

enum class LeaseState { held, lost, cancel_requested };
enum class Transition { done, not_found, illegal };

}  // namespace orchestra::tasks
