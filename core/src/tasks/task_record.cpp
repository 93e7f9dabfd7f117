#include "tasks/task_record.hpp"

#include "log/logging.hpp"

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

void append_string(std::string& out, std::string_view text) {
  out += '"';
  log::append_json_escaped(out, text);
  out += '"';
}

void append_optional_string(std::string& out, const std::optional<std::string>& text) {
  if (text) {
    append_string(out, *text);
  } else {
    out += "null";
  }
}

void append_optional_int(std::string& out, const std::optional<std::int64_t>& value) {
  out += value ? std::to_string(*value) : "null";
}

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

std::string TaskRecord::to_json() const {
  std::string out = "{\"id\":";
  append_string(out, id);
  out += ",\"type\":";
  append_string(out, type);
  out += ",\"queue\":";
  append_string(out, queue);
  out += fmt::format(",\"priority\":{},\"state\":\"{}\",\"attempts\":{},\"max_attempts\":{}",
                     priority, state_name(state), attempts, max_attempts);
  // Payload and result are JSON already; stored by us, so well-formed.
  out += ",\"payload\":" + payload;
  out += ",\"result\":" + result.value_or("null");
  out += ",\"error\":";
  append_optional_string(out, error);
  out += fmt::format(",\"progress\":{{\"fraction\":{},\"message\":", progress);
  append_string(out, progress_message);
  out += "},\"unique_key\":";
  append_optional_string(out, unique_key);
  out += ",\"owner\":";
  append_optional_string(out, owner);
  out += ",\"lease_owner\":";
  append_optional_string(out, lease_owner);
  out += ",\"lease_until\":";
  append_optional_int(out, lease_until);
  out += fmt::format(",\"run_at\":{},\"created_at\":{},\"started_at\":", run_at, created_at);
  append_optional_int(out, started_at);
  out += ",\"finished_at\":";
  append_optional_int(out, finished_at);
  out += fmt::format(",\"pending_dependencies\":{},\"cancel_requested\":{}}}",
                     pending_dependencies, cancel_requested ? "true" : "false");
  return out;
}

}  // namespace orchestra::tasks
