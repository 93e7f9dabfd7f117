#pragma once
// The one seam between the task system and its storage (DESIGN.md §5).
// Every backend passes the same conformance suite (tests/integration/tasks).
// All calls are thread-safe and throw std::runtime_error when the store is
// unreachable.

#include "tasks/task_record.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace soci {
class session;
}

namespace orchestra::tasks {

// Stops watching for work when destroyed.
class WorkWatch {
 public:
  virtual ~WorkWatch() = default;
};

class TaskQueue {
 public:
  virtual ~TaskQueue() = default;

  // Stores all or none. Returns one id per spec: the spec's own, or that of
  // the live task holding the same unique key. Throws EnqueueError when a
  // dependency does not exist.
  virtual std::vector<std::string> enqueue(const std::vector<TaskSpec>& specs) = 0;
  // The same inside the caller's open transaction (sql backends only).
  virtual std::vector<std::string> enqueue_in(soci::session& session,
                                              const std::vector<TaskSpec>& specs) = 0;

  // Applies `outcomes` (of earlier claims), then claims up to `limit` due
  // tasks of `types` from `queues`, highest priority first (or oldest first
  // when `oldest_first`), leasing them to `worker`. Outcomes whose token is
  // stale are dropped; their count is returned in `stale`.
  virtual std::vector<ClaimedTask> exchange(const std::vector<Outcome>& outcomes,
                                            const std::string& worker,
                                            const std::vector<std::string>& queues,
                                            const std::vector<std::string>& types,
                                            std::size_t limit, bool oldest_first,
                                            std::size_t& stale) = 0;

  // Extends the lease of each (id, token) to now + its lease duration.
  virtual std::vector<LeaseState> extend_leases(
      const std::vector<std::pair<std::string, std::int64_t>>& leases) = 0;
  virtual void progress(const std::string& id, std::int64_t token, double fraction,
                        const std::string& message) = 0;
  // Returns expired leases to the queue (or to dead when out of attempts);
  // the number reclaimed.
  virtual std::size_t reclaim_expired() = 0;

  virtual std::optional<TaskRecord> get(const std::string& id) = 0;
  // The tasks `id` was made to depend on, and those made to depend on it.
  virtual std::vector<std::string> dependencies(const std::string& id) = 0;
  virtual std::vector<std::string> dependents(const std::string& id) = 0;
  virtual TaskPage list(const ListFilter& filter) = 0;
  virtual TaskStats stats() = 0;
  virtual Transition cancel(const std::string& id) = 0;
  virtual Transition retry(const std::string& id) = 0;
  // Deletes finished tasks older than `before`; how many.
  virtual std::size_t purge(std::int64_t before) = 0;

  virtual void record_worker(const WorkerInfo& worker) = 0;
  virtual void remove_worker(const std::string& name) = 0;
  virtual std::vector<WorkerInfo> workers(std::int64_t seen_since) = 0;

  // Enqueues `spec` for schedule `name`'s firing at `fire_at` unless that
  // firing was already enqueued (by any worker). True when this call did.
  virtual bool fire_schedule(const std::string& name, std::int64_t fire_at,
                             const TaskSpec& spec) = 0;
  // The last firing recorded for `name`, if any.
  virtual std::optional<std::pair<std::int64_t, std::string>> last_firing(
      const std::string& name) = 0;

  // Null when reachable, else the reason.
  virtual std::optional<std::string> ping() = 0;

  // How many exchange calls one worker may have in flight at once. A
  // backend that runs calls one after another by itself (one Redis) is
  // kept busy by a second call while the worker handles the first's reply;
  // a database with one writer (SQLite) would only make them wait on each
  // other.
  virtual std::size_t concurrent_exchanges() const { return 1; }

  // Calls `wake` whenever another process may have made tasks ready, until
  // the returned handle is destroyed; null when the backend cannot tell
  // (workers then find new work by polling).
  virtual std::unique_ptr<WorkWatch> watch_for_work(std::function<void()> wake) {
    (void)wake;
    return nullptr;
  }
};

}  // namespace orchestra::tasks
