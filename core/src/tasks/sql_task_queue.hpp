#pragma once
// The `sql` backend: tasks in the configured database. SQLite serialises
// writers (BEGIN IMMEDIATE) and claims with UPDATE ... RETURNING;
// PostgreSQL claims with FOR UPDATE SKIP LOCKED so workers never block
// each other. Each exchange() is one transaction: outcomes of finished
// tasks and the next claim together.

#include "db/connection_pool.hpp"
#include "tasks/task_queue.hpp"

#include <mutex>

namespace orchestra::tasks {

class SqlTaskQueue final : public TaskQueue {
 public:
  explicit SqlTaskQueue(db::ConnectionPool& database);

  std::vector<std::string> enqueue(const std::vector<TaskSpec>& specs) override;
  std::vector<std::string> enqueue_in(soci::session& session,
                                      const std::vector<TaskSpec>& specs) override;
  std::vector<ClaimedTask> exchange(const std::vector<Outcome>& outcomes,
                                    const std::string& worker,
                                    const std::vector<std::string>& queues,
                                    const std::vector<std::string>& types, std::size_t limit,
                                    bool oldest_first, std::size_t& stale) override;
  std::vector<LeaseState> extend_leases(
      const std::vector<std::pair<std::string, std::int64_t>>& leases) override;
  void progress(const std::string& id, std::int64_t token, double fraction,
                const std::string& message) override;
  std::size_t reclaim_expired() override;
  std::optional<TaskRecord> get(const std::string& id) override;
  std::vector<std::string> dependencies(const std::string& id) override;
  std::vector<std::string> dependents(const std::string& id) override;
  TaskPage list(const ListFilter& filter) override;
  TaskStats stats() override;
  Transition cancel(const std::string& id) override;
  Transition retry(const std::string& id) override;
  std::size_t purge(std::int64_t before) override;
  void record_worker(const WorkerInfo& worker) override;
  void remove_worker(const std::string& name) override;
  std::vector<WorkerInfo> workers(std::int64_t seen_since) override;
  bool fire_schedule(const std::string& name, std::int64_t fire_at,
                     const TaskSpec& spec) override;
  std::optional<std::pair<std::int64_t, std::string>> last_firing(
      const std::string& name) override;
  std::optional<std::string> ping() override;

 private:
  // SQLite has one writer at a time and makes the others sleep-poll (1, 2,
  // 5, 10 ms...); queueing this process's writers on a mutex instead keeps
  // claim latency flat.
  std::unique_lock<std::mutex> lock_writer();

  db::ConnectionPool& database_;
  db::Dialect dialect_;
  std::mutex sqlite_writer_;
};

}  // namespace orchestra::tasks
