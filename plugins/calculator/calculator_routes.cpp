#include "calculator_routes.hpp"

#include "graph.hpp"
#include "operation_task.hpp"

#include <orchestra/clock.hpp>
#include <orchestra/json.hpp>

#include <fmt/format.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <random>
#include <thread>

namespace calculator {
namespace {

using orchestra::http::Access;
using orchestra::http::Execution;
using orchestra::http::HttpError;
using orchestra::http::Method;
using orchestra::json::quote;
using orchestra::json::rfc3339;

constexpr const char* kOperators[] = {"+", "-", "*", "/"};

std::string optional_time(const std::optional<std::int64_t>& ms) {
  return ms ? quote(rfc3339(*ms)) : "null";
}

// Time-ordered, so newest-first listing is ORDER BY id DESC.
std::string new_expression_id() {
  thread_local std::mt19937_64 random{std::random_device{}()};
  return fmt::format("{:012x}{:016x}", orchestra::unix_ms(), random());
}

orchestra::http::Response parse_problem(const ParseError& error) {
  auto detail = fmt::format("{} (at position {})", error.what(), error.position());
  return orchestra::http::Response{
      400, "application/problem+json",
      fmt::format(R"({{"type":"about:blank","title":"Bad Request","status":400,"detail":{},)"
                  R"("position":{}}})",
                  quote(detail), error.position()),
      {},
      nullptr};
}

std::string durations_json(const std::map<std::string, int>& durations) {
  std::string out = "{";
  for (const auto* op : kOperators) {
    if (out.size() > 1) out += ',';
    auto it = durations.find(op);
    out += fmt::format("{}:{}", quote(op), it == durations.end() ? 0 : it->second);
  }
  return out + "}";
}

}  // namespace

std::string expression_json(const Expression& e) {
  std::string error = "null";
  if (e.error_message) {
    error = fmt::format(R"({{"message":{},"position":{}}})", quote(*e.error_message),
                        e.error_position.value_or(0));
  }
  return fmt::format(
      R"({{"id":{},"user_id":{},"req_uid":{},"expression":{},"status":{},"result":{},)"
      R"("error":{},"operations_total":{},"operations_done":{},"created_at":{},)"
      R"("eval_started_at":{},"eval_finished_at":{}}})",
      quote(e.id), quote(e.user_id), quote(e.req_uid), quote(e.text), quote(e.status),
      e.result ? fmt::format("{}", *e.result) : "null", error, e.operations_total,
      e.operations_done, quote(rfc3339(e.created_at)), optional_time(e.eval_started_at),
      optional_time(e.eval_finished_at));
}

CalculatorRoutes::CalculatorRoutes(orchestra::Host& host,
                                   const std::unique_ptr<ExpressionStore>& store,
                                   FinishSignal& finished, RouteSettings settings)
    : host_(host),
      store_(store),
      finished_(finished),
      settings_(std::move(settings)),
      waiting_slots_(std::clamp(settings_.max_waiting, 0, 1024)) {}

CalculatorRoutes::Response CalculatorRoutes::submit(const Request& request) {
  auto document = orchestra::json::parse_object(request.body);
  orchestra::json::ObjectReader body(document);
  body.only({"req_uid", "expression"});
  auto req_uid = body.require<std::string>("req_uid");
  auto text = body.require<std::string>("expression");
  if (req_uid.empty() || req_uid.size() > 128) {
    throw HttpError(400, "'req_uid' must be 1 to 128 characters long");
  }
  const auto& user = request.caller().subject;
  if (auto existing = store_->find_request(user, req_uid)) {
    return Response::json(200, expression_json(*existing));
  }
  std::unique_ptr<Ast> tree;
  try {
    tree = parse(text, settings_.limits);
  } catch (const ParseError& error) {
    return parse_problem(error);
  }
  auto graph = compile(*tree);
  Expression expression;
  expression.id = new_expression_id();
  expression.user_id = user;
  expression.req_uid = req_uid;
  expression.text = text;
  expression.created_at = orchestra::unix_ms();
  expression.operations_total = static_cast<int>(graph.operations.size());
  std::pair<Expression, bool> stored;
  if (graph.operations.empty()) {
    expression.status = "ok";
    expression.result = graph.result.value;
    expression.eval_started_at = expression.eval_finished_at = expression.created_at;
    stored = store_->insert(expression);
  } else {
    auto flow = operation_tasks(expression.id, user, graph);
    auto& tasks = host_.tasks();
    if (tasks.transactional()) {
      stored = store_->insert(expression, [&](soci::session& session) {
        tasks.enqueue_in(session, std::move(flow));
      });
    } else {
      // The tasks wait (briefly) for the row when they start first.
      tasks.enqueue_many(std::move(flow));
      stored = store_->insert(expression);
    }
  }
  auto response = Response::json(stored.second ? 201 : 200, expression_json(stored.first));
  response.headers.emplace_back("Location", "/api/v1/calculator/expressions/" + stored.first.id);
  return response;
}

Expression CalculatorRoutes::own_expression(const Request& request) {
  const auto& id = request.path_param("id");
  auto expression = store_->find(id);
  if (!expression || expression->user_id != request.caller().subject) {
    throw HttpError(404, "no expression " + id);
  }
  return *expression;
}

CalculatorRoutes::Response CalculatorRoutes::get(const Request& request) {
  auto wait_ms = request.query_int("wait", 0, 0, settings_.max_wait.count() / 1000) * 1000;
  // Noted before each read, so a finish between the read and the wait
  // still wakes the wait.
  auto seen = finished_.generation();
  auto expression = own_expression(request);
  if (wait_ms == 0 || expression.finished() || !waiting_slots_.try_acquire()) {
    return Response::json(200, expression_json(expression));
  }
  struct Release {
    std::counting_semaphore<1024>& slots;
    ~Release() { slots.release(); }
  } release{waiting_slots_};
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
  while (!expression.finished() && std::chrono::steady_clock::now() < deadline) {
    finished_.wait(seen, std::chrono::milliseconds(10));
    seen = finished_.generation();
    expression = own_expression(request);
  }
  return Response::json(200, expression_json(expression));
}

namespace {

void operand_json(rapidjson::Writer<rapidjson::StringBuffer>& out, const Operand& operand) {
  out.StartObject();
  if (operand.operation) {
    out.Key("operation");
    out.Uint64(*operand.operation);
  } else {
    out.Key("value");
    out.Double(operand.value);
  }
  out.EndObject();
}

}  // namespace

// The expression's graph as it was compiled, each operation with whether
// it finished: what a console draws as a tree.
CalculatorRoutes::Response CalculatorRoutes::operations(const Request& request) {
  auto expression = own_expression(request);
  auto graph = compile(*parse(expression.text, settings_.limits));
  auto done = store_->finished_operations(expression.id);
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> out(buffer);
  out.StartObject();
  out.Key("items");
  out.StartArray();
  for (std::size_t i = 0; i < graph.operations.size(); ++i) {
    const auto& operation = graph.operations[i];
    out.StartObject();
    out.Key("index");
    out.Uint64(i);
    out.Key("operator");
    out.String(std::string(1, operation.op));
    out.Key("negate");
    out.Bool(operation.negate);
    out.Key("position");
    out.Uint64(operation.position);
    out.Key("left");
    operand_json(out, operation.left);
    out.Key("right");
    operand_json(out, operation.right);
    out.Key("done");
    out.Bool(done.count(static_cast<int>(i)) > 0 || expression.status == "ok");
    out.EndObject();
  }
  out.EndArray();
  out.Key("next_cursor");
  out.Null();
  out.Key("result");
  operand_json(out, graph.result);
  out.EndObject();
  return Response::json(200, buffer.GetString());
}

CalculatorRoutes::Response CalculatorRoutes::list(const Request& request) {
  auto limit = static_cast<int>(request.query_int("limit", 50, 1, 500));
  auto status = request.query_param("status");
  if (status && *status != "pending" && *status != "in_progress" && *status != "ok" &&
      *status != "error") {
    throw HttpError(400, "query parameter 'status' must be pending, in_progress, ok or error");
  }
  auto page = store_->list(request.caller().subject, status, request.query_param("cursor"), limit);
  std::string out = R"({"expressions":[)";
  for (std::size_t i = 0; i < page.size(); ++i) out += (i ? "," : "") + expression_json(page[i]);
  out += "],\"next_cursor\":";
  out += static_cast<int>(page.size()) == limit ? quote(page.back().id) : "null";
  return Response::json(200, out + "}");
}

CalculatorRoutes::Response CalculatorRoutes::get_durations(const Request&) {
  return Response::json(200, durations_json(store_->durations()));
}

CalculatorRoutes::Response CalculatorRoutes::put_durations(const Request& request) {
  auto document = orchestra::json::parse_object(request.body);
  std::map<std::string, int> durations;
  for (const auto& member : document.GetObject()) {
    std::string op = member.name.GetString();
    if (op != "+" && op != "-" && op != "*" && op != "/") {
      throw HttpError(400, fmt::format("unknown operator {}; expected +, -, * or /", quote(op)));
    }
    if (!member.value.IsInt64() || member.value.GetInt64() < 0 ||
        member.value.GetInt64() > 65535) {
      throw HttpError(400, fmt::format("the duration of {} must be an integer from 0 to 65535 (ms)",
                                       quote(op)));
    }
    durations[op] = static_cast<int>(member.value.GetInt64());
  }
  if (durations.empty()) throw HttpError(400, "no duration given; e.g. {\"+\": 1000}");
  store_->set_durations(durations);
  return Response::json(200, durations_json(store_->durations()));
}

CalculatorRoutes::Response CalculatorRoutes::agents(const Request&) {
  auto now = orchestra::unix_ms();
  std::string out = R"({"agents":[)";
  bool first = true;
  for (const auto& agent : store_->agents()) {
    bool alive = now - agent.last_heartbeat_at <= settings_.agent_timeout.count();
    out += fmt::format(
        R"({}{{"name":{},"computing_power":{},"operations_running":{},"created_at":{},)"
        R"("last_heartbeat_at":{},"alive":{}}})",
        first ? "" : ",", quote(agent.name), agent.computing_power, alive ? agent.running : 0,
        quote(rfc3339(agent.created_at)), quote(rfc3339(agent.last_heartbeat_at)), alive);
    first = false;
  }
  return Response::json(200, out + "]}");
}

void CalculatorRoutes::add(orchestra::http::Routes& routes) {
  auto user = settings_.required_scope.empty() ? Access::authenticated()
                                               : Access::scope(settings_.required_scope);
  auto route = [&](Method method, const char* path, const char* summary, Access access,
                   Response (CalculatorRoutes::*handler)(const Request&)) {
    routes.add(method, path, [this, handler](const Request& r) { return (this->*handler)(r); },
               {summary, Execution::blocking, std::move(access)});
  };
  route(Method::post, "/expressions", "Submit an expression {req_uid, expression}", user,
        &CalculatorRoutes::submit);
  route(Method::get, "/expressions", "Your expressions, newest first; status, limit, cursor",
        user, &CalculatorRoutes::list);
  route(Method::get, "/expressions/{id}", "One of your expressions; ?wait=S long-polls", user,
        &CalculatorRoutes::get);
  route(Method::get, "/expressions/{id}/operations",
        "One of your expressions as its graph of operations, each done or not", user,
        &CalculatorRoutes::operations);
  route(Method::get, "/durations", "Milliseconds each operator takes", user,
        &CalculatorRoutes::get_durations);
  route(Method::put, "/durations", "Change operator durations (admin)", Access::scope("admin"),
        &CalculatorRoutes::put_durations);
  route(Method::get, "/agents", "Workers computing operations", user, &CalculatorRoutes::agents);
}

}  // namespace calculator
