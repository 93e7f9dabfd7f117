#pragma once
// The `redis` backend: Redis streams with a consumer group per queue, task
// type and priority for delivery (XREADGROUP/XACK), a sorted set for
// delayed and retrying tasks, a hash per task for its state, a sorted set
// of leases, and one Lua script for every multi-key transition, so no
// crash between two commands can lose or duplicate a task.
//
// Leases live in a sorted set rather than in the streams' pending lists:
// lease durations differ per task type and heartbeats extend them, which
// XAUTOCLAIM's single idle time cannot express.

#include "tasks/redis/redis_client.hpp"
#include "tasks/task_queue.hpp"

namespace orchestra::tasks::redis {

class RedisTaskQueue final : public TaskQueue {
 public:
  // `prefix` namespaces every key (several deployments may share a Redis).
  RedisTaskQueue(RedisTarget target, std::string prefix);

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
  std::size_t concurrent_exchanges() const override { return 2; }
  std::unique_ptr<WorkWatch> watch_for_work(std::function<void()> wake) override;

 private:
  // The ids of a set, sorted.
  std::vector<std::string> members(const std::string& key);
  Reply run(const std::string& operation, std::vector<std::string> arguments);
  Transition transition(const std::string& operation, const std::string& id);

  RedisTarget target_;
  RedisClient client_;
  std::string prefix_;
};

}  // namespace orchestra::tasks::redis
