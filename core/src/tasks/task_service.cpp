#include "tasks/task_service.hpp"

#include "tasks/redis/redis_task_queue.hpp"
#include "tasks/sql_task_queue.hpp"

#include <fmt/format.h>

#include <unistd.h>

namespace orchestra::tasks {

namespace {


std::string format_interval(std::chrono::milliseconds interval) {
  auto ms = interval.count();
  if (ms % 3'600'000 == 0) return fmt::format("every {}h", ms / 3'600'000);
  if (ms % 60'000 == 0) return fmt::format("every {}m", ms / 60'000);
  if (ms % 1000 == 0) return fmt::format("every {}s", ms / 1000);
  return fmt::format("every {}ms", ms);
}

}  // namespace

TaskService::TaskService(std::shared_ptr<spdlog::logger> log) : log_(std::move(log)) {}

TaskService::~TaskService() { stop(std::chrono::milliseconds(0)); }

void TaskService::add_schedule(ScheduleDefinition schedule) {
  for (const auto& existing : schedules_) {
    if (existing.name == schedule.name) {
      throw std::invalid_argument("schedule '" + schedule.name + "' is declared twice");
    }
  }
  if (types_.find(schedule.type) == nullptr) {
    throw std::invalid_argument(fmt::format("schedule '{}' names task type '{}', which is not "
                                            "defined (define it before the schedule)",
                                            schedule.name, schedule.type));
  }
  schedules_.push_back(std::move(schedule));
}

void TaskService::open(const config::QueueConfig& config, db::ConnectionPool& database) {
  if (config.backend == "redis") {
    queue_ = std::make_unique<redis::RedisTaskQueue>(redis::parse_redis_url(config.redis_url),
                                                     config.redis_prefix);
  } else {
    queue_ = std::make_unique<SqlTaskQueue>(database);
    transactional_ = true;
  }
  for (const auto& type : types_.names()) metrics_.add_type(type);
  // Never replaced afterwards: routes read it from the first request on.
  scheduler_ = std::make_unique<Scheduler>(*queue_, types_, schedules_, log_);
}

TaskQueue& TaskService::queue() {
  if (!queue_) throw std::logic_error("the task backend is not open yet");
  return *queue_;
}

WorkerIdentity worker_identity(const config::WorkerConfig& config) {
  WorkerIdentity identity;
  if (config.name.empty()) {
    char host[256] = {};
    gethostname(host, sizeof host - 1);
    identity.name = fmt::format("{}:{}", host, getpid());
  } else {
    identity.name = config.name;
  }
  identity.slots = config.concurrency > 0
                       ? config.concurrency
                       : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  return identity;
}

void TaskService::start_worker(const config::WorkerConfig& config) {
  WorkerOptions options;
  auto identity = worker_identity(config);
  options.name = identity.name;
  options.concurrency = identity.slots;
  options.queues = config.queues;
  options.max_waiting = static_cast<std::size_t>(config.max_waiting);
  options.poll_interval = config.poll_interval;
  options.reclaim_interval = config.reclaim_interval;
  options.retention = config.retention;
  worker_ = std::make_unique<Worker>(
      queue(), types_, metrics_, options,
      [this](std::vector<NewTask> tasks) { return enqueue(std::move(tasks)); }, log_);
  worker_->start();
  scheduler_->start(config.schedule_catch_up, [this] { worker_->wake(); });
}

bool TaskService::stop(std::chrono::milliseconds grace) {
  if (scheduler_) scheduler_->stop();
  if (!worker_) return true;
  auto finished = worker_->stop(grace);
  if (finished) worker_.reset();
  return finished;
}

std::vector<std::string> TaskService::enqueue(std::vector<NewTask> tasks) {
  auto specs = types_.resolve(std::move(tasks));
  auto ids = queue().enqueue(specs);
  for (const auto& spec : specs) ++metrics_.of(spec.type).enqueued;
  if (worker_) worker_->wake();
  return ids;
}

std::vector<std::string> TaskService::enqueue_in(soci::session& session,
                                                 std::vector<NewTask> tasks) {
  auto specs = types_.resolve(std::move(tasks));
  auto ids = queue().enqueue_in(session, specs);
  for (const auto& spec : specs) ++metrics_.of(spec.type).enqueued;
  if (worker_) worker_->wake();
  return ids;
}

std::optional<std::string> TaskService::ping() {
  if (!queue_) return "the task backend is not open yet";
  return queue_->ping();
}

PluginTasks::PluginTasks(std::string owner, TaskService& service)
    : owner_(std::move(owner)), service_(service) {}

void PluginTasks::define(const std::string& type, Handler handler, TaskOptions options) {
  service_.types().define(owner_, type, std::move(handler), std::move(options));
}

std::string PluginTasks::enqueue(NewTask task) {
  return service_.enqueue({std::move(task)}).front();
}

std::vector<std::string> PluginTasks::enqueue_many(std::vector<NewTask> tasks) {
  return service_.enqueue(std::move(tasks));
}

bool PluginTasks::transactional() const { return service_.transactional(); }

namespace {

TaskStatus status_of(const TaskRecord& record) {
  return TaskStatus{record.id,           record.type,
                    record.payload,      std::string(state_name(record.state)),
                    record.progress,     record.progress_message,
                    record.result,       record.error,
                    record.owner,        record.attempts,
                    record.created_at,   record.started_at,
                    record.finished_at};
}

}  // namespace

std::optional<TaskStatus> PluginTasks::status(const std::string& id) {
  auto record = service_.queue().get(id);
  if (!record) return std::nullopt;
  return status_of(*record);
}

TaskStatusPage PluginTasks::list(const TaskQuery& query) {
  ListFilter filter;
  filter.types = query.types;
  filter.owner = query.owner;
  filter.limit = query.limit;
  filter.cursor = query.cursor;
  auto page = service_.queue().list(filter);
  TaskStatusPage out;
  for (const auto& record : page.tasks) out.items.push_back(status_of(record));
  out.next_cursor = page.next_cursor;
  return out;
}

std::map<std::string, std::int64_t> PluginTasks::counts(const std::string& type) {
  auto stats = service_.queue().stats();
  auto it = stats.by_type.find(type);
  return it == stats.by_type.end() ? std::map<std::string, std::int64_t>{} : it->second;
}

std::vector<std::string> PluginTasks::enqueue_in(soci::session& session,
                                                 std::vector<NewTask> tasks) {
  return service_.enqueue_in(session, std::move(tasks));
}

PluginSchedules::PluginSchedules(std::string owner, ConfigSection config, TaskService& service)
    : owner_(std::move(owner)), config_(std::move(config)), service_(service) {}

void PluginSchedules::every(const std::string& name, std::chrono::milliseconds interval,
                            const std::string& type, std::string payload) {
  add(name, interval, std::nullopt, type, std::move(payload));
}

void PluginSchedules::cron(const std::string& name, const std::string& spec,
                           const std::string& type, std::string payload) {
  add(name, std::nullopt, spec, type, std::move(payload));
}

void PluginSchedules::add(const std::string& name,
                          std::optional<std::chrono::milliseconds> interval,
                          std::optional<std::string> cron, const std::string& type,
                          std::string payload) {
  auto overrides = config_.section("schedules").section(name);
  ScheduleDefinition schedule;
  schedule.name = owner_ + "." + name;
  schedule.type = type;
  schedule.payload = std::move(payload);
  schedule.enabled = overrides.get("enabled", true);
  if (auto every = overrides.optional<std::chrono::milliseconds>("every")) {
    interval = *every;
    cron.reset();
  }
  if (auto spec = overrides.optional<std::string>("cron")) {
    cron = *spec;
    interval.reset();
  }
  if (overrides.has("every") && overrides.has("cron")) {
    overrides.report("cron", "set either every or cron, not both");
  }
  if (interval) {
    if (interval->count() < 1000) {
      throw std::invalid_argument("schedule '" + schedule.name + "': interval under 1s");
    }
    schedule.interval = interval;
    schedule.spec = format_interval(*interval);
  } else {
    try {
      schedule.cron = CronSchedule::parse(*cron);
    } catch (const std::invalid_argument& error) {
      throw std::invalid_argument(fmt::format("schedule '{}': cron '{}': {}", schedule.name,
                                              *cron, error.what()));
    }
    schedule.spec = *cron;
  }
  service_.add_schedule(std::move(schedule));
}

}  // namespace orchestra::tasks
