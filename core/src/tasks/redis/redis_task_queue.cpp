#include "tasks/redis/redis_task_queue.hpp"
#include "tasks/comma_list.hpp"

#include "tasks/redis/task_script.hpp"
#include "tasks/redis/wake_watcher.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <map>

namespace orchestra::tasks::redis {
namespace {

constexpr std::size_t kConnections = 4;
constexpr long long kListChunk = 200;

void append_spec(std::vector<std::string>& arguments, const TaskSpec& spec) {
  arguments.insert(arguments.end(),
                   {spec.id, spec.type, spec.queue, std::to_string(spec.priority), spec.payload,
                    std::to_string(spec.max_attempts), std::to_string(spec.run_at),
                    spec.unique_key.value_or(""), std::to_string(spec.lease_ms),
                    spec.on_dependency_failure == DependencyPolicy::fail ? "fail" : "run",
                    spec.owner.value_or(""), std::to_string(spec.depends_on.size())});
  arguments.insert(arguments.end(), spec.depends_on.begin(), spec.depends_on.end());
}

const char* outcome_kind(Outcome::Kind kind) {
  switch (kind) {
    case Outcome::Kind::succeeded: return "succeeded";
    case Outcome::Kind::retry: return "retry";
    case Outcome::Kind::dead: return "dead";
    case Outcome::Kind::cancelled: return "cancelled";
    case Outcome::Kind::released: return "released";
  }
  return "released";
}

std::map<std::string, std::string> as_map(const redisReply* reply) {
  std::map<std::string, std::string> fields;
  for (std::size_t i = 0; i + 1 < reply->elements; i += 2) {
    fields[as_string(reply->element[i])] = as_string(reply->element[i + 1]);
  }
  return fields;
}

std::optional<std::string> optional_field(const std::map<std::string, std::string>& fields,
                                          const std::string& name) {
  auto it = fields.find(name);
  if (it == fields.end() || it->second.empty()) return std::nullopt;
  return it->second;
}

std::int64_t int_field(const std::map<std::string, std::string>& fields, const std::string& name) {
  auto value = optional_field(fields, name);
  return value ? std::stoll(*value) : 0;
}

std::optional<std::int64_t> optional_int(const std::map<std::string, std::string>& fields,
                                         const std::string& name) {
  auto value = optional_field(fields, name);
  if (!value) return std::nullopt;
  return std::stoll(*value);
}

TaskRecord to_record(const std::map<std::string, std::string>& fields) {
  TaskRecord record;
  record.id = fields.at("id");
  record.type = fields.at("type");
  record.queue = fields.at("queue");
  record.priority = static_cast<int>(int_field(fields, "priority"));
  record.payload = fields.at("payload");
  record.state = parse_state(fields.at("state")).value_or(State::queued);
  record.attempts = static_cast<int>(int_field(fields, "attempts"));
  record.max_attempts = static_cast<int>(int_field(fields, "max_attempts"));
  record.run_at = int_field(fields, "run_at");
  record.unique_key = optional_field(fields, "unique_key");
  record.owner = optional_field(fields, "owner");
  // A finished task's lease fields and progress are not rewritten when it
  // finishes (one write less on the hot path): they are derived here.
  if (record.state == State::running) {
    record.lease_owner = optional_field(fields, "lease_owner");
    record.lease_until = optional_int(fields, "lease_until");
  }
  record.progress = record.state == State::succeeded
                        ? 1.0
                        : std::stod(optional_field(fields, "progress").value_or("0"));
  record.progress_message = optional_field(fields, "progress_message").value_or("");
  record.result = optional_field(fields, "result");
  record.error = optional_field(fields, "error");
  record.created_at = int_field(fields, "created_at");
  record.started_at = optional_int(fields, "started_at");
  record.finished_at = optional_int(fields, "finished_at");
  record.pending_dependencies = static_cast<int>(int_field(fields, "pending_deps"));
  record.cancel_requested = int_field(fields, "cancel_requested") != 0;
  return record;
}

}  // namespace

RedisTaskQueue::RedisTaskQueue(RedisTarget target, std::string prefix)
    : target_(target), client_(std::move(target), kConnections), prefix_(std::move(prefix)) {}

std::unique_ptr<WorkWatch> RedisTaskQueue::watch_for_work(std::function<void()> wake) {
  return std::make_unique<WakeWatcher>(target_, prefix_ + "wake", std::move(wake));
}

Reply RedisTaskQueue::run(const std::string& operation, std::vector<std::string> arguments) {
  arguments.insert(arguments.begin(), {prefix_, operation, std::to_string(now_millis())});
  try {
    return client_.script(task_script(), arguments);
  } catch (const RedisError& error) {
    std::string_view message = error.what();
    if (message.starts_with("ENQUEUE ")) throw EnqueueError(std::string(message.substr(8)));
    throw;
  }
}

std::vector<std::string> RedisTaskQueue::enqueue(const std::vector<TaskSpec>& specs) {
  std::vector<std::string> arguments{std::to_string(specs.size())};
  for (const auto& spec : specs) append_spec(arguments, spec);
  auto reply = run("enqueue", std::move(arguments));
  std::vector<std::string> ids;
  for (std::size_t i = 0; i < reply.get()->elements; ++i) {
    ids.push_back(as_string(reply.get()->element[i]));
  }
  return ids;
}

std::vector<std::string> RedisTaskQueue::enqueue_in(soci::session&, const std::vector<TaskSpec>&) {
  throw EnqueueError(
      "transactional enqueue needs the sql queue backend (queue.backend: sql); the redis "
      "backend cannot join a database transaction");
}

std::vector<ClaimedTask> RedisTaskQueue::exchange(const std::vector<Outcome>& outcomes,
                                                  const std::string& worker,
                                                  const std::vector<std::string>& queues,
                                                  const std::vector<std::string>& types,
                                                  std::size_t limit, bool oldest_first,
                                                  std::size_t& stale) {
  std::vector<std::string> arguments{worker, std::to_string(limit), oldest_first ? "1" : "0",
                                     std::to_string(types.size())};
  arguments.insert(arguments.end(), types.begin(), types.end());
  arguments.push_back(std::to_string(queues.size()));
  arguments.insert(arguments.end(), queues.begin(), queues.end());
  arguments.push_back(std::to_string(outcomes.size()));
  for (const auto& outcome : outcomes) {
    arguments.insert(arguments.end(),
                     {outcome.id, std::to_string(outcome.token), outcome_kind(outcome.kind),
                      outcome.result_or_error, std::to_string(outcome.retry_at)});
  }
  auto reply = run("exchange", std::move(arguments));
  stale = static_cast<std::size_t>(as_integer(reply.get()->element[0]));
  std::vector<ClaimedTask> claimed;
  const auto* list = reply.get()->element[1];
  for (std::size_t i = 0; i < list->elements; ++i) {
    const auto* item = list->element[i];
    ClaimedTask task;
    task.id = as_string(item->element[0]);
    task.type = as_string(item->element[1]);
    task.payload = as_string(item->element[2]);
    task.attempt = static_cast<int>(as_integer(item->element[3]));
    task.max_attempts = static_cast<int>(as_integer(item->element[4]));
    task.token = as_integer(item->element[5]);
    task.lease_ms = as_integer(item->element[6]);
    task.queue = as_string(item->element[8]);
    const auto* dependencies = item->element[7];
    for (std::size_t d = 0; d + 1 < dependencies->elements; d += 2) {
      task.dependency_results[as_string(dependencies->element[d])] =
          as_string(dependencies->element[d + 1]);
    }
    claimed.push_back(std::move(task));
  }
  return claimed;
}

std::vector<LeaseState> RedisTaskQueue::extend_leases(
    const std::vector<std::pair<std::string, std::int64_t>>& leases) {
  std::vector<std::string> arguments;
  for (const auto& [id, token] : leases) {
    arguments.push_back(id);
    arguments.push_back(std::to_string(token));
  }
  auto reply = run("extend", std::move(arguments));
  std::vector<LeaseState> states;
  for (std::size_t i = 0; i < reply.get()->elements; ++i) {
    auto value = as_integer(reply.get()->element[i]);
    states.push_back(value < 0    ? LeaseState::lost
                     : value == 1 ? LeaseState::cancel_requested
                                  : LeaseState::held);
  }
  return states;
}

void RedisTaskQueue::progress(const std::string& id, std::int64_t token, double fraction,
                              const std::string& message) {
  run("progress", {id, std::to_string(token), fmt::format("{}", fraction), message});
}

std::size_t RedisTaskQueue::reclaim_expired() {
  return static_cast<std::size_t>(as_integer(run("reclaim", {}).get()));
}

std::optional<TaskRecord> RedisTaskQueue::get(const std::string& id) {
  auto reply = client_.command({"HGETALL", prefix_ + "task:" + id});
  if (reply.get()->elements == 0) return std::nullopt;
  auto record = to_record(as_map(reply.get()));
  // "attempt\tfailed_at\terror", as the script's note_error writes them.
  auto errors = client_.command({"LRANGE", prefix_ + "errors:" + id, "0", "-1"});
  for (std::size_t i = 0; i < errors.get()->elements; ++i) {
    auto entry = as_string(errors.get()->element[i]);
    auto first = entry.find('\t'), second = entry.find('\t', first + 1);
    if (first == std::string::npos || second == std::string::npos) continue;
    record.attempt_errors.push_back(TaskRecord::AttemptError{
        std::atoi(entry.substr(0, first).c_str()), entry.substr(second + 1),
        std::atoll(entry.substr(first + 1, second - first - 1).c_str())});
  }
  return record;
}

std::vector<std::string> RedisTaskQueue::members(const std::string& key) {
  auto reply = client_.command({"SMEMBERS", key});
  std::vector<std::string> ids;
  for (std::size_t i = 0; i < reply.get()->elements; ++i) {
    ids.push_back(as_string(reply.get()->element[i]));
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

std::vector<std::string> RedisTaskQueue::dependencies(const std::string& id) {
  return members(prefix_ + "parents:" + id);
}

std::vector<std::string> RedisTaskQueue::dependents(const std::string& id) {
  return members(prefix_ + "children:" + id);
}

TaskPage RedisTaskQueue::list(const ListFilter& filter) {
  TaskPage page;
  auto upper = filter.cursor ? "(" + *filter.cursor : std::string("+");
  while (page.tasks.size() <= static_cast<std::size_t>(filter.limit)) {
    auto reply = client_.command({"ZREVRANGEBYLEX", prefix_ + "all", upper, "-", "LIMIT", "0",
                                  std::to_string(kListChunk)});
    if (reply.get()->elements == 0) break;
    for (std::size_t i = 0; i < reply.get()->elements; ++i) {
      auto id = as_string(reply.get()->element[i]);
      upper = "(" + id;
      auto record = get(id);
      if (!record) continue;
      if (filter.state && record->state != *filter.state) continue;
      if (!filter.types.empty() &&
          std::find(filter.types.begin(), filter.types.end(), record->type) == filter.types.end()) {
        continue;
      }
      if (filter.owner && record->owner != filter.owner) continue;
      if (filter.queue && record->queue != *filter.queue) continue;
      page.tasks.push_back(std::move(*record));
      if (page.tasks.size() > static_cast<std::size_t>(filter.limit)) break;
    }
  }
  if (page.tasks.size() > static_cast<std::size_t>(filter.limit)) {
    page.tasks.pop_back();
    page.next_cursor = page.tasks.back().id;
  }
  return page;
}

TaskStats RedisTaskQueue::stats() {
  TaskStats stats;
  auto fields = as_map(client_.command({"HGETALL", prefix_ + "stats"}).get());
  for (const auto& [key, value] : fields) {
    auto count = std::stoll(value);
    auto first = key.find('\t'), second = key.rfind('\t');
    if (count == 0 || first == std::string::npos || first == second) continue;
    auto queue = key.substr(0, first), type = key.substr(first + 1, second - first - 1);
    auto state = key.substr(second + 1);
    stats.by_state[state] += count;
    stats.by_queue[queue][state] += count;
    stats.by_type[type][state] += count;
  }
  return stats;
}

Transition RedisTaskQueue::transition(const std::string& operation, const std::string& id) {
  auto result = as_string(run(operation, {id}).get());
  if (result == "done") return Transition::done;
  if (result == "not_found") return Transition::not_found;
  return Transition::illegal;
}

Transition RedisTaskQueue::cancel(const std::string& id) { return transition("cancel", id); }

Transition RedisTaskQueue::retry(const std::string& id) { return transition("retry", id); }

std::size_t RedisTaskQueue::purge(std::int64_t before) {
  std::size_t total = 0;
  while (true) {
    std::vector<std::string> arguments{prefix_, "purge", std::to_string(before)};
    auto removed =
        static_cast<std::size_t>(as_integer(client_.script(task_script(), arguments).get()));
    total += removed;
    if (removed == 0) return total;
  }
}

void RedisTaskQueue::record_worker(const WorkerInfo& worker) {
  client_.command({"HSET", prefix_ + "worker:" + worker.name, "queues",
                   join_commas(worker.queues), "current_tasks",
                   join_commas(worker.current_tasks), "started_at",
                   std::to_string(worker.started_at), "heartbeat_at",
                   std::to_string(worker.heartbeat_at)});
  client_.command({"ZADD", prefix_ + "worker_beats", std::to_string(worker.heartbeat_at),
                   worker.name});
}

void RedisTaskQueue::remove_worker(const std::string& name) {
  client_.command({"DEL", prefix_ + "worker:" + name});
  client_.command({"ZREM", prefix_ + "worker_beats", name});
}

std::vector<WorkerInfo> RedisTaskQueue::workers(std::int64_t seen_since) {
  auto names = client_.command(
      {"ZRANGEBYSCORE", prefix_ + "worker_beats", std::to_string(seen_since), "+inf"});
  std::vector<WorkerInfo> workers;
  for (std::size_t i = 0; i < names.get()->elements; ++i) {
    auto name = as_string(names.get()->element[i]);
    auto fields = as_map(client_.command({"HGETALL", prefix_ + "worker:" + name}).get());
    if (fields.empty()) continue;
    workers.push_back(WorkerInfo{name, split_commas(fields["queues"]),
                                 split_commas(fields["current_tasks"]),
                                 int_field(fields, "started_at"),
                                 int_field(fields, "heartbeat_at")});
  }
  std::sort(workers.begin(), workers.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  return workers;
}

bool RedisTaskQueue::fire_schedule(const std::string& name, std::int64_t fire_at,
                                   const TaskSpec& spec) {
  std::vector<std::string> arguments{"1"};
  append_spec(arguments, spec);
  arguments.push_back(name);
  arguments.push_back(std::to_string(fire_at));
  return as_integer(run("fire", std::move(arguments)).get()) == 1;
}

std::optional<std::pair<std::int64_t, std::string>> RedisTaskQueue::last_firing(
    const std::string& name) {
  auto times = client_.command({"ZREVRANGE", prefix_ + "firing_times:" + name, "0", "0"});
  if (times.get()->elements == 0) return std::nullopt;
  auto fire_at = as_string(times.get()->element[0]);
  auto id = as_string(client_.command({"HGET", prefix_ + "firings:" + name, fire_at}).get());
  return std::make_pair(std::stoll(fire_at), id);
}

std::optional<std::string> RedisTaskQueue::ping() {
  try {
    client_.command({"PING"});
    return std::nullopt;
  } catch (const std::exception& error) {
    return std::string(error.what());
  }
}

}  // namespace orchestra::tasks::redis
