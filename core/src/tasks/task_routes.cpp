// REST for the task system: inspect, list, count, cancel and retry tasks;
// list workers and schedules.

#include "tasks/task_service.hpp"

#include <orchestra/json.hpp>

#include <fmt/format.h>


namespace orchestra::tasks {
namespace {

using http::Execution;
using http::HttpError;
using http::Method;
using http::Request;
using http::Response;

constexpr int kMaxPageSize = 500;
constexpr auto kLiveWorkerWindow = std::chrono::seconds(30);

std::string counts_json(const std::map<std::string, std::int64_t>& counts) {
  std::string out = "{";
  for (const auto& [state, count] : counts) {
    if (out.size() > 1) out += ',';
    out += fmt::format("{}:{}", json::quote(state), count);
  }
  return out + "}";
}

std::string nested_counts_json(
    const std::map<std::string, std::map<std::string, std::int64_t>>& groups) {
  std::string out = "{";
  for (const auto& [name, counts] : groups) {
    if (out.size() > 1) out += ',';
    out += json::quote(name) + ":" + counts_json(counts);
  }
  return out + "}";
}

std::string string_list_json(const std::vector<std::string>& items) {
  std::string out = "[";
  for (const auto& item : items) {
    if (out.size() > 1) out += ',';
    out += json::quote(item);
  }
  return out + "]";
}

std::string optional_json(const std::optional<std::int64_t>& value) {
  return value ? std::to_string(*value) : "null";
}

ListFilter read_filter(const Request& request) {
  ListFilter filter;
  if (auto state = request.query_param("state")) {
    filter.state = parse_state(*state);
    if (!filter.state) {
      throw HttpError(400, "query parameter 'state' must be one of scheduled, queued, running, "
                           "retrying, succeeded, dead, cancelled");
    }
  }
  filter.type = request.query_param("type");
  filter.queue = request.query_param("queue");
  filter.cursor = request.query_param("cursor");
  filter.limit = static_cast<int>(request.query_int("limit", filter.limit, 1, kMaxPageSize));
  return filter;
}

Response transition_response(TaskQueue& queue, const std::string& id, Transition result,
                             const char* illegal) {
  if (result == Transition::not_found) throw HttpError(404, "no task " + id);
  auto record = queue.get(id);
  if (result == Transition::illegal) {
    throw HttpError(409, fmt::format("task {} is {}: {}", id,
                                     record ? state_name(record->state) : "gone", illegal));
  }
  return Response::json(202, record ? record->to_json() : "{}");
}

}  // namespace

void TaskService::add_routes(http::Router& router) {
  // Holders of the `tasks` scope see every task; other callers only the
  // tasks a plugin enqueued on their behalf (owner), and others not at all.
  auto visible_task = [this](const Request& request) {
    const auto& id = request.path_param("id");
    auto record = queue().get(id);
    const auto& caller = request.caller();
    if (!record || (!caller.has_scope("tasks") && record->owner != caller.subject)) {
      throw HttpError(404, "no task " + id);
    }
    return *record;
  };
  auto get_task = [visible_task](const Request& request) {
    return Response::json(200, visible_task(request).to_json());
  };
  auto list_tasks = [this](const Request& request) {
    auto page = queue().list(read_filter(request));
    std::string out = "{\"tasks\":[";
    for (std::size_t i = 0; i < page.tasks.size(); ++i) {
      if (i > 0) out += ',';
      out += page.tasks[i].to_json();
    }
    out += "],\"next_cursor\":" + (page.next_cursor ? json::quote(*page.next_cursor) : "null") + "}";
    return Response::json(200, out);
  };
  auto stats = [this](const Request&) {
    auto counts = queue().stats();
    return Response::json(200, fmt::format(R"({{"by_state":{},"by_queue":{},"by_type":{}}})",
                                           counts_json(counts.by_state),
                                           nested_counts_json(counts.by_queue),
                                           nested_counts_json(counts.by_type)));
  };
  auto cancel = [this, visible_task](const Request& request) {
    auto id = visible_task(request).id;
    return transition_response(queue(), id, queue().cancel(id), "only live tasks can be cancelled");
  };
  auto retry = [this](const Request& request) {
    const auto& id = request.path_param("id");
    return transition_response(queue(), id, queue().retry(id),
                               "only dead or cancelled tasks can be retried, and only while no "
                               "live task holds the same unique key");
  };
  auto workers = [this](const Request&) {
    auto since = now_millis() -
                 std::chrono::duration_cast<std::chrono::milliseconds>(kLiveWorkerWindow).count();
    std::string out = "{\"workers\":[";
    bool first = true;
    for (const auto& worker : queue().workers(since)) {
      if (!first) out += ',';
      first = false;
      out += fmt::format(
          R"({{"name":{},"queues":{},"current_tasks":{},"started_at":{},"heartbeat_at":{}}})",
          json::quote(worker.name), string_list_json(worker.queues),
          string_list_json(worker.current_tasks), worker.started_at, worker.heartbeat_at);
    }
    return Response::json(200, out + "]}");
  };
  auto schedules = [this](const Request&) {
    std::string out = "{\"schedules\":[";
    bool first = true;
    for (const auto& info : scheduler_->describe()) {
      if (!first) out += ',';
      first = false;
      out += fmt::format(
          R"({{"name":{},"spec":{},"type":{},"enabled":{},"next_fire_at":{},"last_fire_at":{},"last_task_id":{}}})",
          json::quote(info.name), json::quote(info.spec), json::quote(info.type),
          info.enabled ? "true" : "false", optional_json(info.next_fire_at),
          optional_json(info.last_fire_at),
          info.last_task_id ? json::quote(*info.last_task_id) : "null");
    }
    return Response::json(200, out + "]}");
  };
  auto add = [&](Method method, const char* path, http::Handler handler, const char* summary,
                 http::Access access = http::Access::scope("tasks")) {
    router.add(method, path, std::move(handler), {summary, Execution::blocking, access}, "core");
  };
  add(Method::get, "/api/v1/tasks/{id}", get_task,
      "A task's state, progress, result (scope tasks, or the task's owner)",
      http::Access::authenticated());
  add(Method::get, "/api/v1/tasks", list_tasks,
      "Tasks, newest first; filters state, type, queue; limit, cursor");
  add(Method::get, "/api/v1/tasks/stats", stats, "Task counts per state, queue and type");
  add(Method::post, "/api/v1/tasks/{id}/cancel", cancel,
      "Cancel a live task (scope tasks, or the task's owner)", http::Access::authenticated());
  add(Method::post, "/api/v1/tasks/{id}/retry", retry, "Run a dead or cancelled task again");
  add(Method::get, "/api/v1/workers", workers, "Live workers");
  add(Method::get, "/api/v1/schedules", schedules, "Schedules and their next firing");
}

void TaskService::add_metrics(metrics::Registry& registry) {
  registry.add([this](std::string& out) {
    metrics_.render(out);
    if (!queue_) return;
    try {
      auto counts = queue_->stats();
      out += "# HELP orchestra_task_queue_depth Tasks per queue and state.\n"
             "# TYPE orchestra_task_queue_depth gauge\n";
      for (const auto& [queue, states] : counts.by_queue) {
        for (const auto& [state, count] : states) {
          out += fmt::format("orchestra_task_queue_depth{{queue=\"{}\",state=\"{}\"}} {}\n",
                             metrics::label_value(queue), state, count);
        }
      }
      auto since = now_millis() - std::chrono::duration_cast<std::chrono::milliseconds>(
                                      kLiveWorkerWindow).count();
      out += fmt::format(
          "# HELP orchestra_task_workers Workers that heartbeated in the last 30 s.\n"
          "# TYPE orchestra_task_workers gauge\norchestra_task_workers {}\n",
          queue_->workers(since).size());
    } catch (const std::exception& error) {
      log_->warn("task metrics unavailable: {}", error.what());
    }
  });
}

}  // namespace orchestra::tasks
