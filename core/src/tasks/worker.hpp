#pragma once
// A worker process's task engine: dispatcher threads (as many as the
// backend takes calls at once) that exchange finished outcomes for new
// claims in one backend call, `concurrency` handler threads, a waker
// thread that hands waiting tasks (Step::wait_*) back to the handlers when
// their time comes, and a maintenance thread for lease heartbeats, expired
// lease reclaims, worker heartbeats and retention.
//
// Fairness between queues (one per plugin by default): queues are asked
// for work in order of the part of their weighted share of the handler
// slots they hold, least first, and one holding its whole share only with
// the room the others leave; so the next free slot goes to the queue
// furthest below its share that has work, and to anyone when none has.

#include "tasks/task_metrics.hpp"
#include "tasks/task_queue.hpp"
#include "tasks/task_types.hpp"

#include <spdlog/logger.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace orchestra::tasks {

struct WorkerOptions {
  std::string name;
  int concurrency = 2;
  std::map<std::string, int> queues;  // name -> weight
  std::size_t max_waiting = 10'000;   // waiting tasks; past it nothing is claimed
  std::chrono::milliseconds poll_interval{100};
  std::chrono::milliseconds reclaim_interval{1000};
  std::chrono::milliseconds retention{std::chrono::hours(24 * 7)};
};

using EnqueueFunction = std::function<std::vector<std::string>(std::vector<NewTask>)>;

class Worker {
 public:
  Worker(TaskQueue& queue, const TaskTypes& types, TaskMetrics& metrics, WorkerOptions options,
         EnqueueFunction enqueue, std::shared_ptr<spdlog::logger> log);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  void start();
  // New work was enqueued in this process: claim now rather than at the
  // next poll.
  void wake();
  // Stops claiming, lets running handlers finish within `grace`, returns
  // claimed-but-unstarted tasks to the queue. False when handlers were
  // still running at the deadline (their leases are released too).
  bool stop(std::chrono::milliseconds grace);

  std::vector<std::string> running_task_ids() const;

 private:
  class Context;
  struct RateBucket {
    double tokens = 0;
    std::chrono::steady_clock::time_point refilled = std::chrono::steady_clock::now();
  };
  // What one claim round may take, held against the other dispatchers until
  // its claims arrive: free slots, and per limited type its allowance.
  struct Reservation {
    std::size_t free = 0;
    std::size_t held = 0;  // of the free slots, those not yet filled
    bool oldest_first = false;
    // Queues for the unlimited types, none found empty lately: those below
    // their share asked first (at most first_limit tasks), then those at it
    // with the room left.
    std::vector<std::string> below_share;
    std::size_t first_limit = 0;
    std::vector<std::string> at_share;
    std::vector<std::string> unlimited;
    std::vector<std::pair<std::string, std::size_t>> limited;
  };

  struct StepOutcome {
    std::optional<std::chrono::milliseconds> wait;
    std::string state;  // of the wait
    Outcome outcome;
  };

  void dispatch_loop();
  void handler_loop();
  void waker_loop();
  void maintenance_loop();
  // What a dispatcher saw when it took its outcomes: later wake-ups and
  // finished tasks may mean work its exchange could not see yet.
  struct Seen {
    std::uint64_t wakes = 0;
    std::map<std::string, int> finished;  // by queue
  };
  void claim_round(std::vector<Outcome>& outcomes, const Seen& seen);
  Reservation reserve();
  void hand_over(Reservation& reservation, std::vector<ClaimedTask> claimed);
  void release(const Reservation& reservation);
  std::vector<std::string> queue_order();
  void order_by_share(Reservation& reservation);
  void note_empty(const std::vector<std::string>& asked, const std::vector<ClaimedTask>& claimed,
                  std::size_t limit, const Seen& seen);
  bool changed_since(const std::string& queue, const Seen& seen) const;
  std::shared_ptr<Context> next_to_run();
  StepOutcome run(Context& context);
  void finish(Context& context, Outcome outcome);
  void park(const std::shared_ptr<Context>& context, std::chrono::milliseconds wait,
            std::string state);
  std::shared_ptr<Context> unpark(const std::string& id);
  void resume(const std::string& id);
  void wake_early(const std::vector<std::shared_ptr<Context>>& contexts);
  void heartbeat_leases();
  std::vector<std::shared_ptr<Context>> started() const;
  const std::string& queue_of(const std::string& type) const;
  std::size_t busy() const;
  std::size_t room() const;
  std::size_t capacity() const;
  void flush_final(std::vector<Outcome> outcomes);

  TaskQueue& queue_;
  const TaskTypes& types_;
  TaskMetrics& metrics_;
  WorkerOptions options_;
  EnqueueFunction enqueue_;
  std::shared_ptr<spdlog::logger> log_;
  std::int64_t started_at_ = 0;
  std::size_t round_ = 0;
  std::size_t turns_ = 0;  // handler turns, to let ready tasks in between resumed ones
  std::chrono::milliseconds heartbeat_period_{10'000};

  mutable std::mutex mutex_;
  std::condition_variable ready_changed_;
  std::condition_variable dispatch_wanted_;
  std::condition_variable running_changed_;
  std::condition_variable wakeups_changed_;
  bool stopping_ = false;
  std::unique_ptr<WorkWatch> work_watch_;
  // Read by handlers through TaskContext::cancelled(), without the mutex.
  std::atomic<bool> shutting_down_{false};
  bool woken_ = false;
  std::deque<ClaimedTask> ready_;
  std::map<std::string, std::shared_ptr<Context>> running_;
  // Waiting tasks by id, and when each is due (or its timeout runs out).
  std::map<std::string, std::shared_ptr<Context>> waiting_;
  std::multimap<std::chrono::steady_clock::time_point, std::string> wakeups_;
  // Waited long enough: run again before new claims.
  std::deque<std::shared_ptr<Context>> resumable_;
  std::map<std::string, int> active_by_type_;  // reserved + ready + started
  // Handler slots taken per queue: ready, resumable and running tasks.
  std::map<std::string, int> occupied_by_queue_;
  // Queues that had no task of an unlimited type when last asked, and
  // limited types that had none, until then (a poll interval later), new
  // work in this process, or an outcome of a task in that queue (it may
  // have released dependents): they are not asked meanwhile, so idle
  // queues and types cost no backend call per round. A dependent in
  // another queue than its dependency may so wait up to a poll interval;
  // asking marked queues whenever outcomes are sent cost PostgreSQL 15 %
  // of its throughput (claims from several queues take a transaction).
  using Clock = std::chrono::steady_clock;
  std::map<std::string, Clock::time_point> empty_queues_;
  std::map<std::string, Clock::time_point> idle_types_;
  // Tasks finished per queue: a queue in which one finished while an
  // exchange was under way may have work it could not see, so is not marked.
  std::map<std::string, int> finished_by_queue_;
  std::uint64_t wakes_ = 0;
  std::size_t reserved_ = 0;                   // slots asked for by calls in flight
  std::map<std::string, RateBucket> rate_buckets_;
  std::vector<Outcome> outcomes_;
  // Moving average of handler run time; decides how far to prefetch.
  double average_seconds_ = 1.0;

  std::vector<std::thread> dispatchers_;
  std::thread maintenance_;
  std::thread waker_;
  std::vector<std::thread> handlers_;
};

}  // namespace orchestra::tasks
