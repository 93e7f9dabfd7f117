#include "tasks/scheduler.hpp"

#include <fmt/format.h>

namespace orchestra::tasks {
namespace {

constexpr int kMaxCatchUpScan = 100'000;
constexpr auto kRetryAfterError = std::chrono::seconds(1);

}  // namespace

Scheduler::Scheduler(TaskQueue& queue, const TaskTypes& types,
                     std::vector<ScheduleDefinition> schedules,
                     std::shared_ptr<spdlog::logger> log)
    : queue_(queue), types_(types), schedules_(std::move(schedules)), log_(std::move(log)) {}

Scheduler::~Scheduler() { stop(); }

std::optional<std::int64_t> Scheduler::next_fire(const ScheduleDefinition& schedule,
                                                 std::int64_t after) {
  if (schedule.interval) {
    auto step = schedule.interval->count();
    return (after / step + 1) * step;
  }
  auto next = schedule.cron->next_after(Clock::time_point(std::chrono::milliseconds(after)));
  if (!next) return std::nullopt;
  return to_millis(*next);
}

void Scheduler::start(int catch_up, std::function<void()> on_enqueued) {
  catch_up_ = catch_up;
  on_enqueued_ = std::move(on_enqueued);
  thread_ = std::thread([this] { loop(); });
}

void Scheduler::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Scheduler::fire(const ScheduleDefinition& schedule, std::int64_t fire_at) {
  NewTask task;
  task.type = schedule.type;
  task.payload = schedule.payload;
  task.priority = kSchedulePriority;
  task.unique_key = fmt::format("schedule:{}:{}", schedule.name, fire_at);
  auto spec = types_.resolve({task}).front();
  if (queue_.fire_schedule(schedule.name, fire_at, spec)) {
    log_->info("schedule {} fired for {} as task {}", schedule.name, fire_at, spec.id);
    on_enqueued_();
  }
}

void Scheduler::catch_up(const ScheduleDefinition& schedule, std::int64_t now) {
  if (catch_up_ <= 0) return;
  auto last = queue_.last_firing(schedule.name);
  if (!last) return;  // never fired: nothing was missed
  std::vector<std::int64_t> missed;
  auto at = next_fire(schedule, last->first);
  for (int i = 0; at && *at <= now && i < kMaxCatchUpScan; ++i) {
    missed.push_back(*at);
    if (missed.size() > static_cast<std::size_t>(catch_up_)) missed.erase(missed.begin());
    at = next_fire(schedule, *at);
  }
  for (auto fire_at : missed) fire(schedule, fire_at);
}

void Scheduler::loop() {
  std::vector<std::optional<std::int64_t>> next(schedules_.size());
  auto now = now_millis();
  for (std::size_t i = 0; i < schedules_.size(); ++i) {
    if (!schedules_[i].enabled) continue;
    try {
      catch_up(schedules_[i], now);
    } catch (const std::exception& error) {
      log_->error("schedule {}: catch-up failed: {}", schedules_[i].name, error.what());
    }
    next[i] = next_fire(schedules_[i], now);
  }
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    std::optional<std::int64_t> earliest;
    for (const auto& at : next) {
      if (at && (!earliest || *at < *earliest)) earliest = *at;
    }
    if (!earliest) {
      changed_.wait(lock, [this] { return stopping_; });
      break;
    }
    auto wait = std::chrono::milliseconds(std::max<std::int64_t>(0, *earliest - now_millis()));
    if (changed_.wait_for(lock, wait, [this] { return stopping_; })) break;
    lock.unlock();
    now = now_millis();
    for (std::size_t i = 0; i < schedules_.size(); ++i) {
      if (!next[i] || *next[i] > now) continue;
      try {
        fire(schedules_[i], *next[i]);
        next[i] = next_fire(schedules_[i], *next[i] < now - 1000 ? now : *next[i]);
      } catch (const std::exception& error) {
        log_->error("schedule {}: firing failed, will retry: {}", schedules_[i].name,
                    error.what());
        std::this_thread::sleep_for(kRetryAfterError);
      }
    }
    lock.lock();
  }
}

std::vector<ScheduleInfo> Scheduler::describe() {
  std::vector<ScheduleInfo> infos;
  auto now = now_millis();
  for (const auto& schedule : schedules_) {
    ScheduleInfo info{schedule.name, schedule.spec, schedule.type, schedule.enabled, {}, {}, {}};
    if (schedule.enabled) info.next_fire_at = next_fire(schedule, now);
    if (auto last = queue_.last_firing(schedule.name)) {
      info.last_fire_at = last->first;
      info.last_task_id = last->second;
    }
    infos.push_back(std::move(info));
  }
  return infos;
}

}  // namespace orchestra::tasks
