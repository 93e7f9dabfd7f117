#pragma once
// The task system as plugins see it (DESIGN.md §5): define handlers,
// enqueue work (alone, in batches, as flows with dependencies, or inside
// the caller's own database transaction) and declare schedules.
//
// Guarantees: at-least-once execution under leases with fencing tokens,
// bounded retries with capped exponential backoff and jitter, dead tasks
// kept and re-runnable, priorities with a starvation guard, delays,
// uniqueness of live tasks, cancellation, progress, results.

#include <boost/config.hpp>

#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace soci {
class session;
}
namespace spdlog {
class logger;
}

namespace orchestra::tasks {

using Clock = std::chrono::system_clock;
using std::chrono::milliseconds;

// Delay before retry n (1-based) = min(max, initial * factor^(n-1)),
// then spread by ±jitter (a fraction) so retries of many tasks do not
// arrive together.
struct Backoff {
  milliseconds initial{1000};
  double factor = 2.0;
  milliseconds max{600'000};
  double jitter = 0.2;
};

// Priorities: higher runs first. Work submitted by users through the REST
// API defaults to kUserPriority, scheduled work to kSchedulePriority.
inline constexpr int kSchedulePriority = 0;
inline constexpr int kUserPriority = 10;

enum class Uniqueness {
  none,        // every enqueue creates a task
  by_payload,  // unique key = type + payload, unless one is given
};

// What happens to a task whose dependency ends dead or cancelled.
enum class DependencyPolicy { fail, run_anyway };

struct TaskOptions {
  // Empty: the defining plugin's own queue (its name), so that the
  // worker's queue weights share its slots between plugins.
  std::string queue;
  int priority = kSchedulePriority;
  int max_attempts = 3;
  milliseconds timeout{0};       // 0: none; past it the handler sees cancelled()
  milliseconds lease{30'000};    // extended by heartbeats while the handler runs
  Backoff backoff;
  Uniqueness unique = Uniqueness::none;
  DependencyPolicy on_dependency_failure = DependencyPolicy::fail;
  // Tasks of the type started and not finished per worker process,
  // waiting ones included (see Step); 0: no limit.
  int concurrency = 0;
  double rate_per_second = 0;    // per worker process; 0: no limit
};

struct NewTask {
  std::string type;
  std::string payload = "{}";  // JSON
  // Another queue than the type's; not for a type with per-worker limits
  // (concurrency, rate_per_second), which workers claim from its own.
  std::optional<std::string> queue;
  std::optional<int> priority;
  std::optional<int> max_attempts;
  std::optional<Clock::time_point> run_at;
  std::optional<std::string> unique_key;
  // Ids of tasks that must succeed first; "@N" names the N-th task of the
  // same enqueue_many call.
  std::vector<std::string> depends_on;
  // The subject of the principal the task is run for (Request::caller()
  // .subject): that caller may read and cancel it through /api/v1/tasks
  // without the `tasks` scope.
  std::optional<std::string> owner;
};

// A task as a plugin may show it to the user who asked for it.
struct TaskStatus {
  std::string id;
  std::string type;
  std::string payload;  // JSON
  std::string state;    // scheduled, queued, running, retrying, succeeded, dead, cancelled
  double progress = 0;
  std::string progress_message;
  std::optional<std::string> result;  // JSON
  std::optional<std::string> error;
  std::optional<std::string> owner;
  int attempts = 0;
  std::int64_t created_at = 0;  // Unix ms
  std::optional<std::int64_t> started_at;
  std::optional<std::int64_t> finished_at;
};

// A page of tasks, newest first: those of `types` run for `owner`.
struct TaskQuery {
  std::vector<std::string> types;
  std::optional<std::string> owner;
  int limit = 50;
  std::optional<std::string> cursor;  // next_cursor of the previous page
};

struct TaskStatusPage {
  std::vector<TaskStatus> items;
  std::optional<std::string> next_cursor;
};

// Thrown by a handler to fail the attempt without retrying.
class BOOST_SYMBOL_VISIBLE PermanentError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Thrown by enqueue calls on bad input (unknown type, bad payload, unknown
// dependency, too many tasks).
class BOOST_SYMBOL_VISIBLE EnqueueError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// What a handler returns: the task's result (JSON), or a request to be
// run again later without holding a thread meanwhile. A waiting task stays
// with its worker and keeps its lease, its place under its type's
// `concurrency` and its attempt number; no handler thread is spent on it.
// When the time comes the handler runs again with TaskContext::state()
// set to the state given here. Cancellation and the task's timeout wake it
// at once (the handler then sees cancelled()); at shutdown, or when its
// worker dies, the task goes back to the queue and starts over, since the
// state lives in the worker's memory only. For waits of minutes or more,
// prefer failing the attempt (the retry backoff waits in the backend).
class Step {
 public:
  // Done: the result, as JSON text.
  Step(std::string result) : result_(std::move(result)) {}  // NOLINT: implicit on purpose
  Step(const char* result) : result_(result) {}             // NOLINT: implicit on purpose
  static Step wait_for(milliseconds delay, std::string state = {}) {
    Step step{std::string()};
    step.wait_ = std::max(delay, milliseconds(0));
    step.state_ = std::move(state);
    return step;
  }
  static Step wait_until(Clock::time_point when, std::string state = {}) {
    return wait_for(std::chrono::duration_cast<milliseconds>(when - Clock::now()),
                    std::move(state));
  }

  bool waits() const { return wait_.has_value(); }
  milliseconds wait() const { return wait_.value_or(milliseconds(0)); }
  const std::string& result() const { return result_; }
  const std::string& state() const { return state_; }

 private:
  std::string result_;
  std::optional<milliseconds> wait_;
  std::string state_;
};

class BOOST_SYMBOL_VISIBLE TaskContext {
 public:
  virtual ~TaskContext() = default;
  virtual const std::string& id() const = 0;
  virtual const std::string& type() const = 0;
  virtual const std::string& payload() const = 0;
  virtual int attempt() const = 0;  // 1 on the first run
  // The state of the Step::wait_* this run resumes; empty on a run that
  // resumes no wait.
  virtual const std::string& state() const = 0;
  // Whether this run resumes a wait.
  virtual bool resumed() const = 0;
  // Results (JSON) of the tasks this one depends on, by id.
  virtual const std::map<std::string, std::string>& dependency_results() const = 0;
  virtual void progress(double fraction, const std::string& message = {}) = 0;
  // True once the task was cancelled, its timeout passed, or the worker's
  // shutdown grace period is about to run out; the handler should return
  // soon (after a cancellation its result is discarded). A handler told of
  // the shutdown goes back to the queue, without counting the attempt,
  // however it ends.
  virtual bool cancelled() const = 0;
  // Extends the lease now (the worker also does it periodically).
  virtual void heartbeat() = 0;
  virtual std::string enqueue(NewTask task) = 0;
  virtual spdlog::logger& log() = 0;
};

// Returns the result as JSON text, or a wait (Step); throwing fails the
// attempt.
using Handler = std::function<Step(TaskContext&)>;

class BOOST_SYMBOL_VISIBLE Tasks {
 public:
  virtual ~Tasks() = default;
  // `type` is "<plugin>.<name>". Only during setup.
  virtual void define(const std::string& type, Handler handler, TaskOptions options = {}) = 0;
  // Returns the id (an existing live task's id when uniqueness applies).
  virtual std::string enqueue(NewTask task) = 0;
  // All or nothing, in one transaction; ids in input order.
  virtual std::vector<std::string> enqueue_many(std::vector<NewTask> tasks) = 0;
  // Inside the caller's open transaction on `session` (sql backend only):
  // the tasks exist if and only if that transaction commits.
  virtual std::vector<std::string> enqueue_in(soci::session& session,
                                              std::vector<NewTask> tasks) = 0;
  // Whether enqueue_in is available (the sql backend); from start() on.
  virtual bool transactional() const = 0;
  // One task of any type, from start() on.
  virtual std::optional<TaskStatus> status(const std::string& id) = 0;
  // How many tasks of `type` are in each state, across all workers.
  virtual std::map<std::string, std::int64_t> counts(const std::string& type) = 0;
  virtual TaskStatusPage list(const TaskQuery& query) = 0;
};

class BOOST_SYMBOL_VISIBLE Schedules {
 public:
  virtual ~Schedules() = default;
  // Names are local to the plugin; plugins.<plugin>.schedules.<name> in the
  // YAML may set `enabled: false`, `every:` or `cron:` to re-time them.
  virtual void every(const std::string& name, milliseconds interval, const std::string& type,
                     std::string payload = "{}") = 0;
  // Five fields (minute hour day-of-month month day-of-week) or six with
  // seconds first; ranges, lists, steps and names (jan, mon). Evaluated in
  // the worker's `worker.time_zone` (UTC by default).
  virtual void cron(const std::string& name, const std::string& spec, const std::string& type,
                    std::string payload = "{}") = 0;
};

}  // namespace orchestra::tasks
