#include "tasks/task_record.hpp"

#include <orchestra/json_writer.hpp>


#include <fmt/format.h>

#include <array>

namespace orchestra::tasks {
namespace {

constexpr std::array<std::pair<State, std::string_view>, 7> kStates{{
    {State::scheduled, "scheduled"},
    {State::queued, "queued"},
    {State::running, "running"},
    {State::retrying, "retrying"},
    {State::succeeded, "succeeded"},
    {State::dead, "dead"},
    {State::cancelled, "cancelled"},
}};

}  // namespace

std::string_view state_name(State state) {
  for (const auto& [value, name] : kStates) {
    if (value == state) return name;
  }
  return "queued";
}

std::optional<State> parse_state(std::string_view name) {
  for (const auto& [value, known] : kStates) {
    if (known == name) return value;
  }
  return std::nullopt;
}

bool is_live(State state) {
  return state == State::scheduled || state == State::queued || state == State::running ||
         state == State::retrying;
}

std::int64_t to_millis(Clock::time_point time) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
}

std::int64_t now_millis() { return to_millis(Clock::now()); }

void TaskRecord::write(json::Writer& out, const std::optional<Flow>& flow) const {
  out.object()
      .field("id", id)
      .field("type", type)
      .field("queue", queue)
      .field("priority", priority)
      .field("state", std::string(state_name(state)))
      .field("attempts", attempts)
      .field("max_attempts", max_attempts)
      .raw_field("payload", payload);  // JSON already: stored by us, so well-formed
  if (result) {
    out.raw_field("result", *result);
  } else {
    out.null_field("result");
  }
  out.field("error", error)
      .key("progress")
      .object()
      .field("fraction", progress)
      .field("message", progress_message)
      .end_object()
      .field("unique_key", unique_key)
      .field("owner", owner)
      .field("lease_owner", lease_owner)
      .time("lease_until", lease_until)
      .time("run_at", run_at)
      .time("created_at", created_at)
      .time("started_at", started_at)
      .time("finished_at", finished_at)
      .field("pending_dependencies", pending_dependencies)
      .field("cancel_requested", cancel_requested);
  if (flow) {
    out.field("depends_on", flow->depends_on)
        .field("dependents", flow->dependents)
        .key("attempt_errors")
        .array();
    for (const auto& failed : attempt_errors) {
      out.object()
          .field("attempt", failed.attempt)
          .field("error", failed.error)
          .time("failed_at", failed.failed_at)
          .end_object();
    }
    out.end_array();
  }
  out.end_object();
}

std::string TaskRecord::to_json() const {
  json::Writer out;
  write(out);
  return out.str();
}

}  // namespace orchestra::tasks
