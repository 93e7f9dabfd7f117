// REST for the task system: inspect, list, count, cancel and retry tasks;
// list workers and schedules.

#include "tasks/task_service.hpp"

#include <orchestra/json.hpp>
#include <orchestra/json_writer.hpp>
#include <orchestra/schema.hpp>

#include <fmt/format.h>

namespace orchestra::tasks {
namespace {

using http::Execution;
using http::HttpError;
using http::Method;
using http::Request;
using http::Response;

constexpr int kMaxPageSize = 500;

const std::string kStateSchema =
    R"({"type":"string","enum":["scheduled","queued","running","retrying","succeeded","dead","cancelled"]})";

std::string task_schema(bool with_dependencies = false) {
  using namespace schema;
  Fields fields{{"id", kString}, {"type", kString}, {"queue", kString}, {"priority", kInteger},
                 {"state", kStateSchema}, {"attempts", kInteger}, {"max_attempts", kInteger},
                 {"payload", kAny}, {"result", kAny}, {"error", kOptionalString},
                 {"progress", record({{"fraction", R"({"type":"number","minimum":0,"maximum":1})"},
                                      {"message", kString}})},
                 {"unique_key", kOptionalString}, {"owner", kOptionalString},
                 {"lease_owner", kOptionalString}, {"lease_until", kOptionalTimestamp},
                 {"run_at", kTimestamp}, {"created_at", kTimestamp},
                 {"started_at", kOptionalTimestamp}, {"finished_at", kOptionalTimestamp},
                 {"pending_dependencies", kInteger}, {"cancel_requested", kBoolean}};
  if (with_dependencies) {
    fields.emplace_back("depends_on", kStrings);
    fields.emplace_back("dependents", kStrings);
    fields.emplace_back("attempt_errors",
                        R"({"type":"array","items":)" +
                            record({{"attempt", kInteger}, {"error", kString},
                                    {"failed_at", kTimestamp}}) +
                            "}");
  }
  return record(fields);
}

// {"<name>": count, ...}
const std::string kCounts = R"({"type":"object","additionalProperties":{"type":"integer"}})";
const std::string kNestedCounts =
    R"({"type":"object","additionalProperties":{"type":"object","additionalProperties":{"type":"integer"}}})";
constexpr auto kLiveWorkerWindow = std::chrono::seconds(30);

ListFilter read_filter(const Request& request) {
  ListFilter filter;
  if (auto state = request.query_param("state")) {
    filter.state = parse_state(*state);
    if (!filter.state) {
      throw HttpError(400, "query parameter 'state' must be one of scheduled, queued, running, "
                           "retrying, succeeded, dead, cancelled");
    }
  }
  if (auto type = request.query_param("type")) filter.types = {*type};
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
  // One task, with the tasks it waits for and those waiting for it.
  auto get_task = [this, visible_task](const Request& request) {
    auto record = visible_task(request);
    json::Writer out;
    record.write(out, TaskRecord::Flow{queue().dependencies(record.id),
                                       queue().dependents(record.id)});
    return Response::json(200, out.str());
  };
  // Holders of the `tasks` scope list every task; anyone else their own.
  auto list_tasks = [this](const Request& request) {
    auto filter = read_filter(request);
    if (!request.caller().has_scope("tasks")) filter.owner = request.caller().subject;
    auto page = queue().list(filter);
    json::Writer out;
    out.list(page.tasks, page.next_cursor,
             [](json::Writer& writer, const TaskRecord& task) { task.write(writer); });
    return Response::json(200, out.str());
  };
  auto stats = [this](const Request&) {
    auto counts = queue().stats();
    json::Writer out;
    auto nested = [&](const char* name, const auto& groups) {
      out.key(name).object();
      for (const auto& [group, states] : groups) {
        out.key(group).object();
        for (const auto& [state, count] : states) out.field(state, count);
        out.end_object();
      }
      out.end_object();
    };
    out.object().key("by_state").object();
    for (const auto& [state, count] : counts.by_state) out.field(state, count);
    out.end_object();
    nested("by_queue", counts.by_queue);
    nested("by_type", counts.by_type);
    out.end_object();
    return Response::json(200, out.str());
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
  // A new task like a finished one: same type, payload, queue, priority
  // and owner; its own attempts. (Retry revives the task itself.)
  auto rerun = [this](const Request& request) {
    const auto& id = request.path_param("id");
    auto record = queue().get(id);
    if (!record) throw HttpError(404, "no task " + id);
    if (is_live(record->state)) {
      throw HttpError(409, fmt::format("task {} is {}: only finished tasks can be run again", id,
                                       state_name(record->state)));
    }
    if (!queue().dependencies(id).empty()) {
      throw HttpError(409, fmt::format("task {} is part of a flow (it needs the results of the "
                                       "tasks it depends on): retry it, or submit the flow again",
                                       id));
    }
    NewTask task;
    task.type = record->type;
    task.payload = record->payload;
    task.queue = record->queue;
    task.priority = record->priority;
    task.max_attempts = record->max_attempts;
    task.owner = record->owner;
    std::string created;
    try {
      created = enqueue(std::vector<NewTask>{std::move(task)}).front();
    } catch (const EnqueueError& error) {
      throw HttpError(409, fmt::format("task {} cannot run again: {}", id, error.what()));
    }
    auto response = Response::json(201, queue().get(created)->to_json());
    response.headers.emplace_back("Location", "/api/v1/tasks/" + created);
    return response;
  };
  auto workers = [this](const Request&) {
    auto since = now_millis() -
                 std::chrono::duration_cast<std::chrono::milliseconds>(kLiveWorkerWindow).count();
    json::Writer out;
    out.list(queue().workers(since), std::nullopt, [](json::Writer& writer, const auto& worker) {
      writer.object()
          .field("name", worker.name)
          .field("queues", worker.queues)
          .field("current_tasks", worker.current_tasks)
          .time("started_at", worker.started_at)
          .time("heartbeat_at", worker.heartbeat_at)
          .end_object();
    });
    return Response::json(200, out.str());
  };
  auto schedules = [this](const Request&) {
    json::Writer out;
    out.list(scheduler_->describe(), std::nullopt, [](json::Writer& writer, const auto& info) {
      writer.object()
          .field("name", info.name)
          .field("spec", info.spec)
          .field("type", info.type)
          .field("enabled", info.enabled)
          .time("next_fire_at", info.next_fire_at)
          .time("last_fire_at", info.last_fire_at)
          .field("last_task_id", info.last_task_id)
          .end_object();
    });
    return Response::json(200, out.str());
  };
  auto add = [&](Method method, const char* path, http::Handler handler, http::RouteOptions options) {
    router.add(method, path, std::move(handler), std::move(options), "core");
  };
  using http::Access;
  using http::QueryParameter;
  auto task = task_schema();
  add(Method::get, "/api/v1/tasks/{id}", get_task,
      {"A task's state, progress, result, the tasks it depends on and that depend on it, and "
       "each failed attempt's error (scope tasks, or the task's owner)",
       Execution::blocking, Access::authenticated(), {}, {{200, task_schema(true)}}});
  add(Method::get, "/api/v1/tasks", list_tasks,
      {"Tasks, newest first (scope tasks: all; otherwise the caller's own); filters state, "
       "type, queue; limit, cursor",
       Execution::blocking, Access::authenticated(), {}, {{200, schema::list_of(task)}},
       {{"state", kStateSchema, "only tasks in this state"},
        {"type", schema::kString, "only tasks of this type"},
        {"queue", schema::kString, "only tasks of this queue"},
        {"limit", schema::limit_schema(kMaxPageSize), "page size (default 50)"},
        {"cursor", schema::kString, "next_cursor of the previous page"}}});
  add(Method::get, "/api/v1/tasks/stats", stats,
      {"Task counts per state, queue and type", Execution::blocking, Access::scope("tasks"), {},
       {{200, schema::record({{"by_state", kCounts}, {"by_queue", kNestedCounts},
                              {"by_type", kNestedCounts}})}}});
  add(Method::post, "/api/v1/tasks/{id}/cancel", cancel,
      {"Cancel a live task (scope tasks, or the task's owner)", Execution::blocking,
       Access::authenticated(), {}, {{202, task}}});
  add(Method::post, "/api/v1/tasks/{id}/retry", retry,
      {"Run a dead or cancelled task again", Execution::blocking, Access::scope("tasks"), {},
       {{202, task}}});
  add(Method::post, "/api/v1/tasks/{id}/rerun", rerun,
      {"Run a finished task again as a new task (same type, payload, queue, owner)",
       Execution::blocking, Access::scope("tasks"), {}, {{201, task}}});
  add(Method::get, "/api/v1/workers", workers,
      {"Live workers", Execution::blocking, Access::scope("tasks"), {},
       {{200, schema::list_of(schema::record({{"name", schema::kString},
                                               {"queues", schema::kStrings},
                                               {"current_tasks", schema::kStrings},
                                               {"started_at", schema::kTimestamp},
                                               {"heartbeat_at", schema::kTimestamp}}))}}});
  add(Method::get, "/api/v1/schedules", schedules,
      {"Schedules and their next firing", Execution::blocking, Access::scope("tasks"), {},
       {{200, schema::list_of(schema::record({{"name", schema::kString},
                                               {"spec", schema::kString},
                                               {"type", schema::kString},
                                               {"enabled", schema::kBoolean},
                                               {"next_fire_at", schema::kOptionalTimestamp},
                                               {"last_fire_at", schema::kOptionalTimestamp},
                                               {"last_task_id", schema::kOptionalString}}))}}});
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
