#pragma once
// Everything of the task system one process runs, behind what plugins see
// (orchestra::tasks::Tasks and Schedules): the type registry, the backend,
// the worker and the scheduler when the role runs them, REST and metrics.

#include "config/core_config.hpp"
#include "db/connection_pool.hpp"
#include "http/router.hpp"
#include "metrics/registry.hpp"
#include "tasks/scheduler.hpp"
#include "tasks/task_metrics.hpp"
#include "tasks/task_queue.hpp"
#include "tasks/task_types.hpp"
#include "tasks/worker.hpp"

#include <orchestra/config.hpp>
#include <orchestra/host.hpp>
#include <orchestra/tasks.hpp>

#include <memory>

namespace orchestra::tasks {

// worker.name (default host:pid) and worker.concurrency (default: cores).
orchestra::WorkerIdentity worker_identity(const config::WorkerConfig& config);

class TaskService {
 public:
  explicit TaskService(std::shared_ptr<spdlog::logger> log);
  ~TaskService();

  TaskTypes& types() { return types_; }
  void add_schedule(ScheduleDefinition schedule);

  // After migrations: connects the backend named by `config` (`database`
  // is used by the sql backend).
  void open(const config::QueueConfig& config, db::ConnectionPool& database);
  void add_routes(http::Router& router);
  void add_metrics(metrics::Registry& registry);
  void start_worker(const config::WorkerConfig& config);
  // Stops the scheduler and the worker; false when handlers were still
  // running after `grace`.
  bool stop(std::chrono::milliseconds grace);

  std::vector<std::string> enqueue(std::vector<NewTask> tasks);
  std::vector<std::string> enqueue_in(soci::session& session, std::vector<NewTask> tasks);
  // True on the sql backend, where enqueue_in joins a database transaction.
  bool transactional() const { return transactional_; }
  std::optional<std::string> ping();
  TaskQueue& queue();

 private:
  bool transactional_ = false;
  std::shared_ptr<spdlog::logger> log_;
  TaskTypes types_;
  TaskMetrics metrics_;
  std::vector<ScheduleDefinition> schedules_;
  std::unique_ptr<TaskQueue> queue_;
  std::unique_ptr<Scheduler> scheduler_;
  std::unique_ptr<Worker> worker_;
};

// The per-plugin views handed out by Host::tasks() and Host::schedules().
class PluginTasks final : public Tasks {
 public:
  PluginTasks(std::string owner, TaskService& service);
  void define(const std::string& type, Handler handler, TaskOptions options) override;
  std::string enqueue(NewTask task) override;
  std::vector<std::string> enqueue_many(std::vector<NewTask> tasks) override;
  std::vector<std::string> enqueue_in(soci::session& session,
                                      std::vector<NewTask> tasks) override;
  bool transactional() const override;
  std::optional<TaskStatus> status(const std::string& id) override;
  std::map<std::string, std::int64_t> counts(const std::string& type) override;
  TaskStatusPage list(const TaskQuery& query) override;

 private:
  std::string owner_;
  TaskService& service_;
};

class PluginSchedules final : public Schedules {
 public:
  // `config` is the plugin's section; `schedules.<name>` in it may disable
  // or re-time each schedule.
  PluginSchedules(std::string owner, ConfigSection config, TaskService& service);
  void every(const std::string& name, std::chrono::milliseconds interval,
             const std::string& type, std::string payload) override;
  void cron(const std::string& name, const std::string& spec, const std::string& type,
            std::string payload) override;

 private:
  void add(const std::string& name, std::optional<std::chrono::milliseconds> interval,
           std::optional<std::string> cron, const std::string& type, std::string payload);
  std::string owner_;
  ConfigSection config_;
  TaskService& service_;
};

}  // namespace orchestra::tasks
