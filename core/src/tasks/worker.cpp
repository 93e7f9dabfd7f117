#include "tasks/worker.hpp"

#include "tasks/outage.hpp"

#include <orchestra/json.hpp>

#include <rapidjson/document.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <random>
#include <set>

namespace orchestra::tasks {

using Steady = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

// One claim in ten ignores priority and takes the oldest due tasks, so a
// steady flood of high-priority work cannot starve the rest forever.
constexpr std::size_t kOldestFirstEvery = 10;
constexpr auto kWorkerHeartbeat = std::chrono::seconds(5);
constexpr auto kPurgeEvery = std::chrono::minutes(1);
constexpr auto kErrorPause = milliseconds(500);
// A task that met a database or Redis outage runs again after this long.
constexpr std::int64_t kOutageRetryMs = 2000;
// Tasks faster than this are prefetched kFastPrefetch per handler thread,
// so one backend round trip feeds many; slower ones are claimed only as
// handlers free up, leaving them to idle workers elsewhere.
constexpr double kFastTaskSeconds = 0.005;
constexpr std::size_t kFastPrefetch = 32;
constexpr milliseconds kToldShutdown{1000};

bool valid_json(const std::string& text) {
  if (!json::within_max_depth(text)) return false;
  rapidjson::Document document;
  document.Parse(text.c_str(), text.size());
  return !document.HasParseError();
}

}  // namespace

class Worker::Context final : public TaskContext {
 public:
  Context(ClaimedTask task, TaskQueue& backend, const EnqueueFunction& enqueue,
          spdlog::logger& log, milliseconds timeout, const std::atomic<bool>& shutting_down)
      : task_(std::move(task)),
        backend_(backend),
        enqueue_(enqueue),
        log_(log),
        shutting_down_(shutting_down),
        deadline_(timeout.count() > 0 ? Steady::now() + timeout : Steady::time_point::max()) {}

  const std::string& id() const override { return task_.id; }
  const std::string& type() const override { return task_.type; }
  const std::string& payload() const override { return task_.payload; }
  int attempt() const override { return task_.attempt; }
  const std::string& state() const override { return state_; }
  bool resumed() const override { return resumed_; }
  const std::map<std::string, std::string>& dependency_results() const override {
    return task_.dependency_results;
  }
  void progress(double fraction, const std::string& message) override {
    backend_.progress(task_.id, task_.token, std::clamp(fraction, 0.0, 1.0), message);
  }
  bool cancelled() const override {
    if (cancel_requested_ || lost_ || timed_out()) return true;
    if (!shutting_down_) return false;
    told_shutdown_ = true;
    return true;
  }
  void heartbeat() override {
    apply(backend_.extend_leases({{task_.id, task_.token}}).front());
  }
  std::string enqueue(NewTask task) override {
    return enqueue_(std::vector<NewTask>{std::move(task)}).front();
  }
  spdlog::logger& log() override { return log_; }

  void apply(LeaseState state) {
    if (state == LeaseState::cancel_requested) cancel_requested_ = true;
    if (state == LeaseState::lost) lost_ = true;
  }
  bool cancel_requested() const { return cancel_requested_; }
  bool lost() const { return lost_; }
  // The handler was told to stop for the shutdown, so it may have cut its
  // work short.
  bool told_shutdown() const { return told_shutdown_; }
  bool timed_out() const { return Steady::now() > deadline_; }
  const ClaimedTask& task() const { return task_; }
  const std::string& queue() const { return task_.queue; }
  Steady::time_point started() const { return started_; }

  // Waits until `when` (never past the timeout); when it is due. mutex_ held.
  Steady::time_point wait_until(Steady::time_point when, std::string state) {
    state_ = std::move(state);
    resumed_ = true;
    wake_at_ = std::min(when, deadline_);
    return wake_at_;
  }
  Steady::time_point wake_at() const { return wake_at_; }

 private:
  ClaimedTask task_;
  TaskQueue& backend_;
  const EnqueueFunction& enqueue_;
  spdlog::logger& log_;
  const std::atomic<bool>& shutting_down_;
  Steady::time_point started_ = Steady::now();
  Steady::time_point deadline_;
  Steady::time_point wake_at_;
  std::string state_;
  bool resumed_ = false;
  std::atomic<bool> cancel_requested_{false};
  std::atomic<bool> lost_{false};
  mutable std::atomic<bool> told_shutdown_{false};
};

Worker::Worker(TaskQueue& queue, const TaskTypes& types, TaskMetrics& metrics,
               WorkerOptions options, EnqueueFunction enqueue,
               std::shared_ptr<spdlog::logger> log)
    : queue_(queue),
      types_(types),
      metrics_(metrics),
      options_(std::move(options)),
      enqueue_(std::move(enqueue)),
      log_(std::move(log)) {
  if (options_.queues.empty()) options_.queues = types_.queues();
  if (options_.queues.empty()) options_.queues["default"] = 1;
  for (const auto& [type, definition] : types_.all()) {
    heartbeat_period_ = std::min(heartbeat_period_, definition.options.lease / 3);
  }
  heartbeat_period_ = std::max(heartbeat_period_, milliseconds(50));
}

Worker::~Worker() {
  if (!dispatchers_.empty()) stop(milliseconds(0));
}

void Worker::start() {
  started_at_ = now_millis();
  for (const auto& [type, definition] : types_.all()) {
    if (!options_.queues.contains(definition.options.queue)) {
      log_->warn("worker {}: task type {} is in queue '{}', which worker.queues leaves out",
                 options_.name, type, definition.options.queue);
    }
  }
  for (int i = 0; i < options_.concurrency; ++i) handlers_.emplace_back([this] { handler_loop(); });
  waker_ = std::thread([this] { waker_loop(); });
  for (std::size_t i = 0; i < std::max<std::size_t>(1, queue_.concurrent_exchanges()); ++i) {
    dispatchers_.emplace_back([this] { dispatch_loop(); });
  }
  maintenance_ = std::thread([this] { maintenance_loop(); });
  work_watch_ = queue_.watch_for_work([this] { wake(); });
  log_->info("worker {} started: {} handler threads, queues {}, {} task types", options_.name,
             options_.concurrency, fmt::join(queue_order(), ","), types_.all().size());
}

void Worker::wake() {
  {
    std::lock_guard lock(mutex_);
    woken_ = true;
    ++wakes_;
    empty_queues_.clear();
    idle_types_.clear();
  }
  dispatch_wanted_.notify_one();
}

std::vector<std::string> Worker::queue_order() {
  thread_local std::mt19937 generator{std::random_device{}()};
  std::vector<std::pair<std::string, double>> keyed;
  for (const auto& [name, weight] : options_.queues) {
    // Weighted random order (Efraimidis–Spirakis): the first queue asked
    // is chosen with probability proportional to its weight.
    std::uniform_real_distribution<double> uniform(0.0, 1.0);
    keyed.emplace_back(name, std::pow(uniform(generator), 1.0 / weight));
  }
  std::sort(keyed.begin(), keyed.end(),
            [](const auto& a, const auto& b) { return a.second > b.second; });
  std::vector<std::string> order;
  for (auto& [name, key] : keyed) order.push_back(name);
  return order;
}

void Worker::dispatch_loop() {
  std::vector<Outcome> outcomes;
  Seen seen;
  while (true) {
    {
      std::unique_lock lock(mutex_);
      if (stopping_) break;
      if (outcomes_.empty() && outcomes.empty() && room() == 0) {
        dispatch_wanted_.wait(lock);
        continue;
      }
      std::move(outcomes_.begin(), outcomes_.end(), std::back_inserter(outcomes));
      outcomes_.clear();
      woken_ = false;
      seen = Seen{wakes_, finished_by_queue_};
    }
    try {
      claim_round(outcomes, seen);
    } catch (const std::exception& error) {
      log_->error("worker {}: the task backend failed: {}; retrying", options_.name,
                  error.what());
      std::unique_lock lock(mutex_);
      dispatch_wanted_.wait_for(lock, kErrorPause, [this] { return stopping_; });
    }
  }
  flush_final(std::move(outcomes));
}

Worker::Reservation Worker::reserve() {
  std::lock_guard lock(mutex_);
  Reservation reservation;
  reservation.free = room();
  reservation.held = reservation.free;
  order_by_share(reservation);
  reservation.oldest_first = ++round_ % kOldestFirstEvery == 0;
  reserved_ += reservation.free;
  auto now = Steady::now();
  std::erase_if(idle_types_, [now](const auto& entry) { return entry.second <= now; });
  for (const auto& [type, definition] : types_.all()) {
    const auto& options = definition.options;
    if (options.concurrency == 0 && options.rate_per_second == 0) {
      reservation.unlimited.push_back(type);
      continue;
    }
    if (idle_types_.contains(type) || !options_.queues.contains(options.queue)) continue;
    auto allowance = reservation.free;
    if (options.concurrency > 0) {
      auto active = static_cast<std::size_t>(active_by_type_[type]);
      auto limit = static_cast<std::size_t>(options.concurrency);
      allowance = std::min(allowance, limit > active ? limit - active : 0);
    }
    if (options.rate_per_second > 0) {
      auto& bucket = rate_buckets_[type];
      double elapsed = std::chrono::duration<double>(now - bucket.refilled).count();
      bucket.tokens = std::min(options.rate_per_second,
                               bucket.tokens + elapsed * options.rate_per_second);
      bucket.refilled = now;
      allowance = std::min(allowance, static_cast<std::size_t>(std::max(bucket.tokens, 0.0)));
    }
    if (allowance == 0) continue;
    reservation.limited.emplace_back(type, allowance);
    active_by_type_[type] += static_cast<int>(allowance);
    if (options.rate_per_second > 0) rate_buckets_[type].tokens -= static_cast<double>(allowance);
  }
  return reservation;
}

// Tasks go to the handlers as soon as each exchange brings them, not after
// the round's last exchange; mutex_ held.
void Worker::hand_over(Reservation& reservation, std::vector<ClaimedTask> claimed) {
  auto slots = std::min(claimed.size(), reservation.held);
  reservation.held -= slots;
  reserved_ -= slots;
  for (auto& task : claimed) {
    ++active_by_type_[task.type];
    if (auto bucket = rate_buckets_.find(task.type); bucket != rate_buckets_.end()) {
      bucket->second.tokens -= 1;
    }
    ++occupied_by_queue_[task.queue];
    ready_.push_back(std::move(task));
  }
  if (!claimed.empty()) ready_changed_.notify_all();
}

// Gives back what the reservation still holds; mutex_ held.
void Worker::release(const Reservation& reservation) {
  reserved_ -= reservation.held;
  for (const auto& [type, allowance] : reservation.limited) {
    active_by_type_[type] -= static_cast<int>(allowance);
    if (auto bucket = rate_buckets_.find(type); bucket != rate_buckets_.end()) {
      bucket->second.tokens += static_cast<double>(allowance);
    }
  }
  // Another dispatcher may be waiting only because of these slots.
  if (reservation.held > 0 || !reservation.limited.empty()) dispatch_wanted_.notify_one();
}

// Queues below their share first; then, with the room left, per-type
// limited types, and the other queues below their share before those at
// it.
void Worker::claim_round(std::vector<Outcome>& outcomes, const Seen& seen) {
  auto reservation = reserve();
  std::size_t total = 0;
  auto claim = [&](const std::vector<Outcome>& sent, const std::vector<std::string>& queues,
                   const std::vector<std::string>& types, std::size_t limit) {
    std::size_t stale = 0;
    auto claimed = queue_.exchange(sent, options_.name, queues, types, limit,
                                   reservation.oldest_first, stale);
    metrics_.stale_results += stale;
    total += claimed.size();
    std::lock_guard lock(mutex_);
    if (types == reservation.unlimited) {
      note_empty(queues, claimed, limit, seen);
    } else if (claimed.size() < limit && !changed_since(queue_of(types.front()), seen)) {
      idle_types_[types.front()] = Steady::now() + options_.poll_interval;
    }
    hand_over(reservation, std::move(claimed));
  };
  auto room = [&] { return reservation.free > total ? reservation.free - total : 0; };
  try {
    bool below = !reservation.below_share.empty();
    claim(outcomes, below ? reservation.below_share : reservation.at_share,
          reservation.unlimited, below ? reservation.first_limit : reservation.free);
    outcomes.clear();
    // From its own queue only: asked of another, a type filter reads
    // every ready task there.
    for (const auto& [type, allowance] : reservation.limited) {
      if (room() == 0) break;
      claim({}, {queue_of(type)}, {type}, std::min(room(), allowance));
    }
    if (below && room() > 0) {
      std::vector<std::string> rest(reservation.below_share.begin() + 1,
                                    reservation.below_share.end());
      rest.insert(rest.end(), reservation.at_share.begin(), reservation.at_share.end());
      if (!rest.empty()) claim({}, rest, reservation.unlimited, room());
    }
  } catch (...) {
    std::lock_guard lock(mutex_);
    release(reservation);
    throw;
  }
  std::unique_lock lock(mutex_);
  release(reservation);
  if (total > 0) return;
  // Nothing due (or no room asked for): wait for new work, an outcome or
  // the next poll.
  if (reservation.free > 0 && outcomes_.empty() && !woken_ && !stopping_) {
    dispatch_wanted_.wait_for(lock, options_.poll_interval);
  }
}

// Orders the queues by how much of their weighted share of the slots they
// hold (never less than one slot), least first, the weighted random order
// breaking ties; those holding less than their share are asked first, the
// others only with the room left. While other queues are below their share
// too, the first may take no more than its own share, and leaves a slot
// for each of them: the next round asks them first. mutex_ held.
void Worker::order_by_share(Reservation& reservation) {
  double total_weight = 0;
  for (const auto& [name, weight] : options_.queues) total_weight += weight;
  auto slots = static_cast<double>(capacity());
  struct Use {
    double part;  // of its share, held
    double left;  // slots to its share
    std::string name;
  };
  std::vector<Use> uses;
  for (auto& name : queue_order()) {
    auto share = std::max(1.0, slots * options_.queues.at(name) / total_weight);
    auto occupied = occupied_by_queue_.find(name);
    double held = occupied == occupied_by_queue_.end() ? 0.0 : occupied->second;
    uses.push_back({options_.queues.size() == 1 ? 0.0 : held / share, share - held, std::move(name)});
  }
  std::stable_sort(uses.begin(), uses.end(),
                   [](const Use& a, const Use& b) { return a.part < b.part; });
  auto now = Steady::now();
  std::erase_if(empty_queues_, [now](const auto& entry) { return entry.second <= now; });
  for (auto& use : uses) {
    if (empty_queues_.contains(use.name)) continue;
    (use.part < 1.0 ? reservation.below_share : reservation.at_share).push_back(use.name);
  }
  reservation.first_limit = reservation.free;
  auto others = reservation.below_share.size();
  if (others > 1 && reservation.free > 0) {
    auto first = std::find_if(uses.begin(), uses.end(), [&](const Use& use) {
      return use.name == reservation.below_share.front();
    });
    auto own = static_cast<std::size_t>(std::ceil(first->left));
    auto leave = std::min(reservation.free - 1, others - 1);
    reservation.first_limit = std::clamp<std::size_t>(own, 1, reservation.free - leave);
  }
}

// Slots reserved by calls in flight, claimed and running; mutex_ held.
std::size_t Worker::busy() const {
  return reserved_ + ready_.size() + resumable_.size() + running_.size();
}

// Free slots to claim for; none while max_waiting tasks wait. mutex_ held.
std::size_t Worker::room() const {
  if (waiting_.size() >= options_.max_waiting) return 0;
  auto slots = capacity();
  auto taken = busy();
  return slots > taken ? slots - taken : 0;
}

const std::string& Worker::queue_of(const std::string& type) const {
  return types_.find(type)->options.queue;
}

std::size_t Worker::capacity() const {
  auto threads = static_cast<std::size_t>(options_.concurrency);
  return average_seconds_ < kFastTaskSeconds ? threads * kFastPrefetch : threads;
}

// A task waiting to resume goes before new claims; mutex_ held, and
// something to run.
std::shared_ptr<Worker::Context> Worker::next_to_run() {
  std::shared_ptr<Context> context;
  // Claimed tasks are not heartbeated before they start: every fourth
  // turn goes to them even while resumed tasks keep coming.
  bool ready_turn = !ready_.empty() && ++turns_ % 4 == 0;
  if (!resumable_.empty() && !ready_turn) {
    context = std::move(resumable_.front());
    resumable_.pop_front();
  } else {
    auto task = std::move(ready_.front());
    ready_.pop_front();
    const auto* definition = types_.find(task.type);
    context = std::make_shared<Context>(std::move(task), queue_, enqueue_, *log_,
                                        definition->options.timeout, shutting_down_);
  }
  running_[context->id()] = context;
  return context;
}

void Worker::handler_loop() {
  while (true) {
    std::shared_ptr<Context> context;
    {
      std::unique_lock lock(mutex_);
      ready_changed_.wait(
          lock, [this] { return stopping_ || !ready_.empty() || !resumable_.empty(); });
      if (stopping_) return;
      context = next_to_run();
    }
    auto started = Steady::now();
    auto step = run(*context);
    auto seconds = std::chrono::duration<double>(Steady::now() - started).count();
    {
      std::lock_guard lock(mutex_);
      // Steps that only start a wait would make every task look fast and
      // the worker prefetch more than its threads start soon.
      if (!step.wait) average_seconds_ = 0.9 * average_seconds_ + 0.1 * seconds;
      running_.erase(context->id());
      --occupied_by_queue_[context->queue()];
      if (step.wait) {
        park(context, *step.wait, std::move(step.state));
      } else {
        finish(*context, std::move(step.outcome));
      }
    }
    dispatch_wanted_.notify_one();
    running_changed_.notify_all();
  }
}

// Backends take from the queues in the order asked, moving on only when
// one has nothing left: a queue that gave none has none due if the
// exchange took fewer than its limit or a later queue gave some. mutex_
// held.
void Worker::note_empty(const std::vector<std::string>& asked,
                        const std::vector<ClaimedTask>& claimed, std::size_t limit,
                        const Seen& seen) {
  std::set<std::string> gave;
  for (const auto& task : claimed) gave.insert(task.queue);
  auto last_giving = asked.size();
  for (std::size_t i = 0; i < asked.size(); ++i) {
    if (gave.contains(asked[i])) last_giving = i;
  }
  auto until = Steady::now() + options_.poll_interval;
  for (std::size_t i = 0; i < asked.size(); ++i) {
    bool passed_over = last_giving < asked.size() && i < last_giving;
    if (!gave.contains(asked[i]) && (claimed.size() < limit || passed_over) &&
        !changed_since(asked[i], seen)) {
      empty_queues_[asked[i]] = until;
    }
  }
}

// A wake-up, or a task of `queue` finished, since `seen`; mutex_ held.
bool Worker::changed_since(const std::string& queue, const Seen& seen) const {
  if (wakes_ != seen.wakes) return true;
  auto now = finished_by_queue_.find(queue);
  auto then = seen.finished.find(queue);
  return (now == finished_by_queue_.end() ? 0 : now->second) !=
         (then == seen.finished.end() ? 0 : then->second);
}

// Its outcome may release dependents in its queue; mutex_ held.
void Worker::finish(Context& context, Outcome outcome) {
  ++finished_by_queue_[context.queue()];
  empty_queues_.erase(context.queue());
  std::erase_if(idle_types_, [&](const auto& entry) {
    return queue_of(entry.first) == context.queue();
  });
  --active_by_type_[context.type()];
  metrics_.of(context.type())
      .duration.observe(std::chrono::duration<double>(Steady::now() - context.started()).count());
  outcomes_.push_back(std::move(outcome));
}

// mutex_ held.
void Worker::park(const std::shared_ptr<Context>& context, milliseconds wait,
                  std::string state) {
  if (auto older = waiting_.find(context->id());
      older != waiting_.end() && older->second != context) {
    // The same task claimed again after its lease expired: the older copy
    // is stale.
    unpark(context->id());
    --active_by_type_[context->type()];
  }
  auto due = context->wait_until(Steady::now() + wait, std::move(state));
  bool earliest = wakeups_.empty() || due < wakeups_.begin()->first;
  waiting_[context->id()] = context;
  wakeups_.emplace(due, context->id());
  if (earliest) wakeups_changed_.notify_one();
}

// Takes a task out of the waiting ones; mutex_ held.
std::shared_ptr<Worker::Context> Worker::unpark(const std::string& id) {
  auto it = waiting_.find(id);
  if (it == waiting_.end()) return nullptr;
  auto context = std::move(it->second);
  waiting_.erase(it);
  auto range = wakeups_.equal_range(context->wake_at());
  for (auto wakeup = range.first; wakeup != range.second; ++wakeup) {
    if (wakeup->second == id) {
      wakeups_.erase(wakeup);
      break;
    }
  }
  return context;
}

// From waiting to the front of the work; mutex_ held.
void Worker::resume(const std::string& id) {
  auto context = unpark(id);
  if (!context) return;
  ++occupied_by_queue_[context->queue()];
  resumable_.push_back(std::move(context));
  ready_changed_.notify_one();
}

void Worker::waker_loop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    auto now = Steady::now();
    while (!wakeups_.empty() && wakeups_.begin()->first <= now) {
      auto [due, id] = *wakeups_.begin();
      wakeups_.erase(wakeups_.begin());
      auto waiting = waiting_.find(id);
      // Only the wake-up of the wait now held: a task claimed again since
      // (its lease expired) has one of its own.
      if (waiting != waiting_.end() && waiting->second->wake_at() == due) resume(id);
    }
    if (wakeups_.empty()) {
      wakeups_changed_.wait(lock);
    } else {
      auto next = wakeups_.begin()->first;  // the entry may be gone when the wait ends
      wakeups_changed_.wait_until(lock, next);
    }
  }
}

Worker::StepOutcome Worker::run(Context& context) {
  const auto& task = context.task();
  const auto& definition = *types_.find(task.type);
  auto& counters = metrics_.of(task.type);
  StepOutcome step{std::nullopt, {}, {task.id, task.token, Outcome::Kind::succeeded, {}, 0}};
  auto& outcome = step.outcome;
  auto fail = [&](const std::string& error, bool permanent) {
    ++counters.failed;
    log_->warn("[{}] task {} {} attempt {}/{} failed: {}", definition.owner, task.type, task.id,
               task.attempt, task.max_attempts, error);
    outcome.result_or_error = error;
    if (permanent || task.attempt >= task.max_attempts) {
      outcome.kind = Outcome::Kind::dead;
      ++counters.dead;
    } else {
      outcome.kind = Outcome::Kind::retry;
      outcome.retry_at = now_millis() + backoff_delay_ms(definition.options.backoff, task.attempt);
    }
  };
  try {
    auto result = definition.handler(context);
    if (context.cancel_requested()) {
      outcome.kind = Outcome::Kind::cancelled;
    } else if (context.told_shutdown()) {
      // It may have stopped early: back to the queue, no attempt counted.
      outcome.kind = Outcome::Kind::released;
    } else if (context.timed_out()) {
      fail(fmt::format("timed out after {} ms", definition.options.timeout.count()), false);
    } else if (result.waits()) {
      step.wait = result.wait();
      step.state = result.state();
    } else if (!valid_json(result.result())) {
      fail("the handler returned a result that is not valid JSON", true);
    } else {
      outcome.result_or_error = result.result();
      ++counters.succeeded;
    }
  } catch (const PermanentError& error) {
    fail(error.what(), true);
  } catch (const std::exception& error) {
    if (context.cancel_requested()) {
      outcome.kind = Outcome::Kind::cancelled;
    } else if (context.told_shutdown()) {
      outcome.kind = Outcome::Kind::released;
    } else if (auto dependency = dependency_outage(error)) {
      // Not the task's fault: an outage longer than its attempts' backoff
      // must not send it to the dead list. Retried later, no attempt counted.
      outcome.kind = Outcome::Kind::released;
      outcome.result_or_error = fmt::format("{} is unavailable: {}", *dependency, error.what());
      outcome.retry_at = now_millis() + kOutageRetryMs;
    } else {
      fail(error.what(), false);
    }
  } catch (...) {
    fail("unknown exception", false);
  }
  return step;
}

void Worker::maintenance_loop() {
  auto next_reclaim = Steady::now();
  auto next_worker_beat = Steady::now();
  auto next_purge = Steady::now() + kPurgeEvery;
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    try {
      heartbeat_leases();
      auto now = Steady::now();
      if (now >= next_reclaim) {
        metrics_.lease_reclaims += queue_.reclaim_expired();
        next_reclaim = now + options_.reclaim_interval;
      }
      if (now >= next_worker_beat) {
        auto queues = queue_order();
        std::sort(queues.begin(), queues.end());
        queue_.record_worker(
            WorkerInfo{options_.name, queues, running_task_ids(), started_at_, now_millis()});
        next_worker_beat = now + kWorkerHeartbeat;
      }
      if (now >= next_purge) {
        auto removed = queue_.purge(now_millis() - options_.retention.count());
        if (removed > 0) log_->info("purged {} finished tasks past retention", removed);
        next_purge = now + kPurgeEvery;
      }
    } catch (const std::exception& error) {
      log_->error("worker {}: maintenance failed: {}", options_.name, error.what());
    }
    lock.lock();
    running_changed_.wait_for(lock, std::min(heartbeat_period_, options_.reclaim_interval),
                              [this] { return stopping_; });
  }
}

void Worker::heartbeat_leases() {
  auto contexts = started();
  if (contexts.empty()) return;
  std::vector<std::pair<std::string, std::int64_t>> leases;
  for (const auto& context : contexts) leases.emplace_back(context->id(), context->task().token);
  auto states = queue_.extend_leases(leases);
  for (std::size_t i = 0; i < states.size(); ++i) contexts[i]->apply(states[i]);
  wake_early(contexts);
}

// A waiting task that was cancelled runs at once, to see cancelled(); one
// whose lease another worker took is dropped (its outcome would be stale).
void Worker::wake_early(const std::vector<std::shared_ptr<Context>>& contexts) {
  std::lock_guard lock(mutex_);
  for (const auto& context : contexts) {
    auto it = waiting_.find(context->id());
    if (it == waiting_.end() || it->second != context) continue;
    if (context->cancel_requested()) {
      resume(context->id());
    } else if (context->lost()) {
      unpark(context->id());
      --active_by_type_[context->type()];
      dispatch_wanted_.notify_one();
    }
  }
}

// Tasks this worker holds that have started: running, waiting, resumable.
std::vector<std::shared_ptr<Worker::Context>> Worker::started() const {
  std::lock_guard lock(mutex_);
  std::vector<std::shared_ptr<Context>> contexts;
  for (const auto& [id, context] : running_) contexts.push_back(context);
  for (const auto& [id, context] : waiting_) contexts.push_back(context);
  contexts.insert(contexts.end(), resumable_.begin(), resumable_.end());
  return contexts;
}

std::vector<std::string> Worker::running_task_ids() const {
  std::vector<std::string> ids;
  for (const auto& context : started()) ids.push_back(context->id());
  return ids;
}

void Worker::flush_final(std::vector<Outcome> outcomes) {
  for (int attempt = 0; attempt < 3 && !outcomes.empty(); ++attempt) {
    try {
      std::size_t stale = 0;
      queue_.exchange(outcomes, options_.name, {}, {}, 0, false, stale);
      metrics_.stale_results += stale;
      return;
    } catch (const std::exception& error) {
      log_->error("worker {}: could not record {} outcomes: {}", options_.name, outcomes.size(),
                  error.what());
      std::this_thread::sleep_for(kErrorPause);
    }
  }
}

bool Worker::stop(milliseconds grace) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && dispatchers_.empty()) return true;
    stopping_ = true;
  }
  ready_changed_.notify_all();
  dispatch_wanted_.notify_all();
  running_changed_.notify_all();
  work_watch_.reset();
  wakeups_changed_.notify_all();
  for (auto& dispatcher : dispatchers_) dispatcher.join();
  dispatchers_.clear();
  if (maintenance_.joinable()) maintenance_.join();
  if (waker_.joinable()) waker_.join();
  // Handlers get the grace period to finish; for its last part (at most
  // kToldShutdown) TaskContext::cancelled() tells them to stop, so
  // cooperative ones return in time and their tasks go back to the queue.
  auto told_after = grace > 2 * kToldShutdown ? grace - kToldShutdown : grace / 2;
  bool finished;
  {
    std::unique_lock lock(mutex_);
    auto all_done = [this] { return running_.empty(); };
    finished = running_changed_.wait_for(lock, told_after, all_done);
    if (!finished) {
      shutting_down_ = true;
      finished = running_changed_.wait_for(lock, grace - told_after, all_done);
    }
  }
  std::vector<Outcome> outcomes;
  {
    std::lock_guard lock(mutex_);
    outcomes.swap(outcomes_);
    for (const auto& task : ready_) {
      outcomes.push_back(Outcome{task.id, task.token, Outcome::Kind::released, {}, 0});
    }
    ready_.clear();
    for (const auto& [id, context] : waiting_) {
      outcomes.push_back(Outcome{id, context->task().token, Outcome::Kind::released, {}, 0});
    }
    for (const auto& context : resumable_) {
      outcomes.push_back(
          Outcome{context->id(), context->task().token, Outcome::Kind::released, {}, 0});
    }
    waiting_.clear();
    wakeups_.clear();
    resumable_.clear();
    for (const auto& [id, context] : running_) {
      outcomes.push_back(
          Outcome{id, context->task().token, Outcome::Kind::released, {}, 0});
    }
  }
  flush_final(std::move(outcomes));
  for (auto& handler : handlers_) {
    if (finished) {
      handler.join();
    } else {
      handler.detach();  // still inside plugin code; the process exits next
    }
  }
  handlers_.clear();
  try {
    queue_.remove_worker(options_.name);
  } catch (const std::exception& error) {
    log_->warn("worker {}: could not deregister: {}", options_.name, error.what());
  }
  log_->info("worker {} stopped{}", options_.name,
             finished ? "" : " (handlers still running were released)");
  return finished;
}

}  // namespace orchestra::tasks
