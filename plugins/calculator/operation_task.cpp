#include "operation_task.hpp"

#include <orchestra/json.hpp>

#include <fmt/format.h>
#include <rapidjson/document.h>

#include <orchestra/clock.hpp>

#include <string_view>

namespace calculator {
namespace {

using orchestra::tasks::PermanentError;
using orchestra::tasks::TaskContext;

// A task can start before the expression row exists: on the redis backend
// the flow is enqueued before the row is written.
constexpr auto kRowWait = std::chrono::milliseconds(5000);
constexpr auto kRowPoll = std::chrono::milliseconds(20);
// What a waiting operation carries: "row:<deadline, Unix ms>" while its
// expression row is awaited, "computing" while its duration runs.
constexpr std::string_view kRowState = "row:";
constexpr std::string_view kComputingState = "computing";

std::string operand_json(const Operand& operand) {
  std::string out = operand.operation ? fmt::format(R"({{"n":{})", *operand.operation)
                                      : fmt::format(R"({{"v":{})", operand.value);
  if (operand.divides_at) out += fmt::format(R"(,"d":{})", *operand.divides_at);
  return out + "}";
}

rapidjson::Document parse(const std::string& text) {
  rapidjson::Document document;
  document.Parse<rapidjson::kParseFullPrecisionFlag>(text.c_str(), text.size());
  if (document.HasParseError() || !document.IsObject()) {
    throw PermanentError("malformed calculator payload: " + text);
  }
  return document;
}

Operand operand_from(const rapidjson::Value& value) {
  Operand operand;
  if (value.HasMember("n")) operand.operation = value["n"].GetUint64();
  if (value.HasMember("v")) operand.value = value["v"].GetDouble();
  if (value.HasMember("d")) operand.divides_at = value["d"].GetUint64();
  return operand;
}

// The result of operation `index` among the dependencies' results; nullopt
// when that operation was skipped (its expression already failed).
std::optional<Value> produced_by(std::size_t index, const TaskContext& context) {
  for (const auto& [id, text] : context.dependency_results()) {
    auto result = parse(text);
    if (result["n"].GetUint64() != index) continue;
    if (!result.HasMember("v")) return std::nullopt;
    Value value{result["v"].GetDouble(), std::nullopt};
    if (result.HasMember("z")) value.zero_divisor = result["z"].GetUint64();
    return value;
  }
  throw PermanentError(fmt::format("the result of operation {} is missing", index));
}

}  // namespace

std::vector<orchestra::tasks::NewTask> operation_tasks(const std::string& expression_id,
                                                       const std::string& owner,
                                                       const Graph& graph) {
  std::vector<orchestra::tasks::NewTask> tasks;
  auto root = graph.result.operation;
  for (std::size_t i = 0; i < graph.operations.size(); ++i) {
    const auto& operation = graph.operations[i];
    orchestra::tasks::NewTask task;
    task.type = kOperationType;
    task.owner = owner;
    task.payload = fmt::format(
        R"({{"e":{},"n":{},"op":"{}","neg":{},"pos":{},"l":{},"r":{},"root":{}}})",
        orchestra::json::quote(expression_id), i, operation.op, operation.negate,
        operation.position, operand_json(operation.left), operand_json(operation.right),
        root == i);
    for (const auto* side : {&operation.left, &operation.right}) {
      if (side->operation) task.depends_on.push_back("@" + std::to_string(*side->operation));
    }
    tasks.push_back(std::move(task));
  }
  return tasks;
}

std::chrono::milliseconds Durations::of(char op) {
  std::lock_guard lock(mutex_);
  auto now = std::chrono::steady_clock::now();
  if (now - read_at_ > std::chrono::milliseconds(500)) {
    cached_ = store_.durations();
    read_at_ = now;
  }
  auto it = cached_.find(std::string(1, op));
  return std::chrono::milliseconds(it == cached_.end() ? 0 : it->second);
}

// A short wait for expression `id`'s row to appear, up to kRowWait from
// the first look.
orchestra::tasks::Step OperationHandler::wait_for_row(const std::string& id,
                                                     const TaskContext& context) {
  auto deadline = orchestra::unix_ms() + kRowWait.count();
  if (context.state().starts_with(kRowState)) {
    deadline = std::stoll(context.state().substr(kRowState.size()));
  }
  if (orchestra::unix_ms() > deadline) throw PermanentError("expression " + id + " does not exist");
  return orchestra::tasks::Step::wait_for(kRowPoll, fmt::format("{}{}", kRowState, deadline));
}

orchestra::tasks::Step OperationHandler::operator()(TaskContext& context) {
  auto payload = parse(context.payload());
  std::string expression_id = payload["e"].GetString();
  auto index = payload["n"].GetUint64();
  auto skipped = fmt::format(R"({{"n":{},"skipped":true}})", index);
  // Cancelled or shutting down while it waited: give the operation back
  // (the worker re-queues it without counting the attempt at shutdown).
  if (context.cancelled()) {
    in_progress_.remove(context.id());
    throw std::runtime_error("interrupted");
  }
  auto expression = store_.find(expression_id);
  if (!expression) return wait_for_row(expression_id, context);
  if (expression->finished()) {
    in_progress_.remove(context.id());
    return skipped;
  }

  Operation operation;
  operation.op = payload["op"].GetString()[0];
  operation.negate = payload["neg"].GetBool();
  operation.position = payload["pos"].GetUint64();
  operation.left = operand_from(payload["l"]);
  operation.right = operand_from(payload["r"]);
  std::optional<Value> inputs[2];
  const Operand* sides[2] = {&operation.left, &operation.right};
  for (int side = 0; side < 2; ++side) {
    std::optional<Value> produced = Value{};
    if (sides[side]->operation) produced = produced_by(*sides[side]->operation, context);
    if (!produced) return skipped;
    inputs[side] = input(*sides[side], *produced);
  }

  if (context.state() != kComputingState) {
    // One write fewer per operation once the expression is under way: on
    // SQLite every write queues behind the others.
    if (expression->status == "pending") store_.mark_started(expression_id);
    auto duration = durations_.of(operation.op);
    if (duration.count() > 0) {
      in_progress_.add(context.id(), duration);
      return orchestra::tasks::Step::wait_for(duration, std::string(kComputingState));
    }
  }
  in_progress_.remove(context.id());

  auto outcome = apply(operation, *inputs[0], *inputs[1]);
  Finish finish;
  if (auto* error = std::get_if<EvaluationError>(&outcome)) {
    finish = Finish{Finish::Kind::error, 0, error->message,
                    static_cast<std::int64_t>(error->position)};
  } else if (payload["root"].GetBool()) {
    finish = Finish{Finish::Kind::ok, std::get<Value>(outcome).value, {}, 0};
  }
  if (store_.operation_done(expression_id, static_cast<int>(index), finish)) finished_.notify();
  if (finish.kind == Finish::Kind::error) return skipped;
  auto value = std::get<Value>(outcome);
  return value.zero_divisor
             ? fmt::format(R"({{"n":{},"v":{},"z":{}}})", index, value.value, *value.zero_divisor)
             : fmt::format(R"({{"n":{},"v":{}}})", index, value.value);
}

}  // namespace calculator
