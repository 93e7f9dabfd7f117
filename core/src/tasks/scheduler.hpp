#pragma once
// Fires schedules. Every worker runs one; each firing time is claimed in
// the backend (`schedule_firings`), so it is enqueued exactly once however
// many workers run. Fire times are deterministic (cron, or multiples of
// the interval since the Unix epoch), so all workers agree on them. A
// worker that was down fires at most `catch_up` missed firings on start
// (the latest ones), never the whole backlog.

#include "tasks/cron.hpp"
#include "tasks/task_queue.hpp"
#include "tasks/task_types.hpp"

#include <spdlog/logger.h>

#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace orchestra::tasks {

struct ScheduleDefinition {
  std::string name;  // "<plugin>.<name>"
  std::string type;
  std::string payload;
  std::string spec;  // as shown: "every 30s" or the cron expression
  std::optional<std::chrono::milliseconds> interval;
  std::optional<CronSchedule> cron;
  bool enabled = true;
};

class Scheduler {
 public:
  // Describes schedules from construction on; fires them once started.
  Scheduler(TaskQueue& queue, const TaskTypes& types, std::vector<ScheduleDefinition> schedules,
            std::shared_ptr<spdlog::logger> log);
  ~Scheduler();

  // At most `catch_up` missed firings per schedule; `on_enqueued` after each firing.
  void start(int catch_up, std::function<void()> on_enqueued);
  void stop();
  std::vector<ScheduleInfo> describe();

  // The first fire time strictly after `after`.
  static std::optional<std::int64_t> next_fire(const ScheduleDefinition& schedule,
                                               std::int64_t after);

 private:
  void loop();
  void fire(const ScheduleDefinition& schedule, std::int64_t fire_at);
  void catch_up(const ScheduleDefinition& schedule, std::int64_t now);

  TaskQueue& queue_;
  const TaskTypes& types_;
  std::vector<ScheduleDefinition> schedules_;
  int catch_up_ = 0;
  std::function<void()> on_enqueued_;
  std::shared_ptr<spdlog::logger> log_;
  std::mutex mutex_;
  std::condition_variable changed_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace orchestra::tasks
