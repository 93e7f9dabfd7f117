#include "tasks/task_types.hpp"

#include "tasks/task_id.hpp"

#include <orchestra/json.hpp>

#include <rapidjson/document.h>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <random>

namespace orchestra::tasks {
namespace {

constexpr std::size_t kMaxBatch = 10'000;
constexpr std::size_t kMaxPayloadBytes = 1 << 20;

void check_options(const std::string& type, const TaskOptions& options) {
  auto fail = [&](const std::string& problem) {
    throw std::invalid_argument(fmt::format("task type '{}': {}", type, problem));
  };
  if (options.max_attempts < 1) fail("max_attempts must be at least 1");
  if (options.lease.count() < 100) fail("lease must be at least 100ms");
  if (options.backoff.factor < 1) fail("backoff factor must be at least 1");
  if (options.backoff.jitter < 0 || options.backoff.jitter > 1) fail("jitter must be in [0, 1]");
  if (options.concurrency < 0 || options.rate_per_second < 0) fail("limits must be >= 0");
}

void check_payload(const NewTask& task) {
  if (task.payload.size() > kMaxPayloadBytes) {
    throw EnqueueError(fmt::format("payload of {} exceeds {} bytes", task.type, kMaxPayloadBytes));
  }
  if (!json::within_max_depth(task.payload)) {
    throw EnqueueError(fmt::format("payload of {} nests deeper than {} levels", task.type,
                                   json::kMaxDepth));
  }
  rapidjson::Document document;
  document.Parse(task.payload.c_str(), task.payload.size());
  if (document.HasParseError()) {
    throw EnqueueError(fmt::format("payload of {} is not valid JSON (offset {})", task.type,
                                   document.GetErrorOffset()));
  }
}

}  // namespace

void TaskTypes::define(const std::string& owner, const std::string& type, Handler handler,
                       TaskOptions options) {
  if (!type.starts_with(owner + ".") || type.size() == owner.size() + 1) {
    throw std::invalid_argument(
        fmt::format("task type '{}' must be named '{}.<name>'", type, owner));
  }
  if (!handler) throw std::invalid_argument(fmt::format("task type '{}' has no handler", type));
  if (options.queue.empty()) options.queue = owner;
  check_options(type, options);
  if (definitions_.contains(type)) {
    throw std::invalid_argument(fmt::format("task type '{}' is defined twice", type));
  }
  definitions_.emplace(type, Definition{type, owner, std::move(handler), std::move(options)});
}

const Definition* TaskTypes::find(const std::string& type) const {
  auto it = definitions_.find(type);
  return it == definitions_.end() ? nullptr : &it->second;
}

std::map<std::string, int> TaskTypes::queues() const {
  std::map<std::string, int> queues;
  for (const auto& [name, definition] : definitions_) queues[definition.options.queue] = 1;
  return queues;
}

std::vector<std::string> TaskTypes::names() const {
  std::vector<std::string> names;
  for (const auto& [name, definition] : definitions_) names.push_back(name);
  return names;
}

std::vector<TaskSpec> TaskTypes::resolve(std::vector<NewTask> tasks) const {
  if (tasks.size() > kMaxBatch) {
    throw EnqueueError(fmt::format("at most {} tasks per call, got {}", kMaxBatch, tasks.size()));
  }
  std::vector<TaskSpec> specs;
  specs.reserve(tasks.size());
  auto now = now_millis();
  for (auto& task : tasks) {
    const auto* definition = find(task.type);
    if (definition == nullptr) throw EnqueueError("unknown task type '" + task.type + "'");
    check_payload(task);
    const auto& options = definition->options;
    TaskSpec spec;
    spec.id = new_task_id();
    spec.type = task.type;
    spec.payload = std::move(task.payload);
    bool limited = options.concurrency > 0 || options.rate_per_second > 0;
    if (limited && task.queue && *task.queue != options.queue) {
      // Workers claim a limited type from its own queue only.
      throw EnqueueError(fmt::format("task type '{}' has per-worker limits; its tasks stay in "
                                     "queue '{}'",
                                     task.type, options.queue));
    }
    spec.queue = task.queue.value_or(options.queue);
    spec.priority = task.priority.value_or(options.priority);
    spec.max_attempts = task.max_attempts.value_or(options.max_attempts);
    if (spec.max_attempts < 1) throw EnqueueError("max_attempts must be at least 1");
    spec.run_at = task.run_at ? to_millis(*task.run_at) : now;
    spec.lease_ms = options.lease.count();
    spec.on_dependency_failure = options.on_dependency_failure;
    spec.unique_key = task.unique_key;
    spec.owner = task.owner;
    if (!spec.unique_key && options.unique == Uniqueness::by_payload) {
      spec.unique_key = task.type + ":" + spec.payload;
    }
    for (const auto& dependency : task.depends_on) {
      if (dependency.starts_with("@")) {
        std::size_t index = 0;
        try {
          index = std::stoul(dependency.substr(1));
        } catch (const std::exception&) {
          throw EnqueueError("malformed dependency reference '" + dependency + "'");
        }
        if (index >= specs.size()) {
          throw EnqueueError(fmt::format(
              "dependency {} must name an earlier task of the same call", dependency));
        }
        spec.depends_on.push_back(specs[index].id);
      } else {
        spec.depends_on.push_back(dependency);
      }
    }
    specs.push_back(std::move(spec));
  }
  return specs;
}

std::int64_t backoff_delay_ms(const Backoff& backoff, int attempt) {
  thread_local std::mt19937_64 generator{std::random_device{}()};
  double delay = static_cast<double>(backoff.initial.count()) *
                 std::pow(backoff.factor, std::max(0, attempt - 1));
  delay = std::min(delay, static_cast<double>(backoff.max.count()));
  std::uniform_real_distribution<double> spread(1 - backoff.jitter, 1 + backoff.jitter);
  return static_cast<std::int64_t>(delay * spread(generator));
}

}  // namespace orchestra::tasks
