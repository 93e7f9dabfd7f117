#include "calculator_routes.hpp"

#include "graph.hpp"
#include "operation_task.hpp"

#include <orchestra/clock.hpp>
#include <orchestra/json.hpp>
#include <orchestra/json_writer.hpp>
#include <orchestra/schema.hpp>

#include <fmt/format.h>

#include <random>
#include <thread>

namespace calculator {
namespace {

using orchestra::http::Access;
using orchestra::http::Execution;
using orchestra::http::HttpError;
using orchestra::http::Method;
using orchestra::json::quote;
using orchestra::json::Writer;

constexpr const char* kOperators[] = {"+", "-", "*", "/"};

// Time-ordered, so newest-first listing is ORDER BY id DESC.
std::string new_expression_id() {
  thread_local std::mt19937_64 random{std::random_device{}()};
  return fmt::format("{:012x}{:016x}", orchestra::unix_ms(), random());
}

orchestra::http::Response parse_problem(const ParseError& error) {
  auto detail = fmt::format("{} (at position {})", error.what(), error.position());
  Writer out;
  out.object()
      .field("type", "about:blank")
      .field("title", "Bad Request")
      .field("status", 400)
      .field("detail", detail)
      .field("position", static_cast<std::uint64_t>(error.position()))
      .end_object();
  return orchestra::http::Response{400, "application/problem+json", out.str(), {}, nullptr};
}

std::string durations_json(const std::map<std::string, int>& durations) {
  Writer out;
  out.object();
  for (const auto* op : kOperators) {
    auto it = durations.find(op);
    out.field(op, it == durations.end() ? 0 : it->second);
  }
  return out.end_object().str();
}

void write_expression(Writer& out, const Expression& e) {
  out.object()
      .field("id", e.id)
      .field("user_id", e.user_id)
      .field("req_uid", e.req_uid)
      .field("expression", e.text)
      .field("status", e.status)
      .field("result", e.result)
      .key("error");
  if (e.error_message) {
    out.object()
        .field("message", *e.error_message)
        .field("position", static_cast<std::int64_t>(e.error_position.value_or(0)))
        .end_object();
  } else {
    out.null();
  }
  out.field("operations_total", e.operations_total)
      .field("operations_done", e.operations_done)
      .time("created_at", e.created_at)
      .time("eval_started_at", e.eval_started_at)
      .time("eval_finished_at", e.eval_finished_at)
      .end_object();
}

}  // namespace

std::string expression_json(const Expression& e) {
  Writer out;
  write_expression(out, e);
  return out.str();
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

void write_operand(Writer& out, const Operand& operand) {
  out.object();
  if (operand.operation) {
    out.field("operation", static_cast<std::uint64_t>(*operand.operation));
  } else {
    out.field("value", operand.value);
  }
  out.end_object();
}

}  // namespace

// The expression's graph as it was compiled, each operation with whether
// it finished: what a console draws as a tree.
CalculatorRoutes::Response CalculatorRoutes::operations(const Request& request) {
  auto expression = own_expression(request);
  auto graph = compile(*parse(expression.text, settings_.limits));
  auto done = store_->finished_operations(expression.id);
  Writer out;
  out.object().key("items").array();
  for (std::size_t i = 0; i < graph.operations.size(); ++i) {
    const auto& operation = graph.operations[i];
    out.object()
        .field("index", static_cast<std::uint64_t>(i))
        .field("operator", std::string(1, operation.op))
        .field("negate", operation.negate)
        .field("position", static_cast<std::uint64_t>(operation.position));
    write_operand(out.key("left"), operation.left);
    write_operand(out.key("right"), operation.right);
    out.field("done", done.count(static_cast<int>(i)) > 0 || expression.status == "ok").end_object();
  }
  out.end_array().null_field("next_cursor");
  write_operand(out.key("result"), graph.result);
  out.end_object();
  return Response::json(200, out.str());
}

CalculatorRoutes::Response CalculatorRoutes::list(const Request& request) {
  auto limit = static_cast<int>(request.query_int("limit", 50, 1, 500));
  auto status = request.query_param("status");
  if (status && *status != "pending" && *status != "in_progress" && *status != "ok" &&
      *status != "error") {
    throw HttpError(400, "query parameter 'status' must be pending, in_progress, ok or error");
  }
  auto page = store_->list(request.caller().subject, status, request.query_param("cursor"), limit);
  Writer out;
  out.list(page,
           static_cast<int>(page.size()) == limit ? std::optional(page.back().id) : std::nullopt,
           write_expression);
  return Response::json(200, out.str());
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
  Writer out;
  out.list(store_->agents(), std::nullopt, [&](Writer& writer, const Agent& agent) {
    bool alive = now - agent.last_heartbeat_at <= settings_.agent_timeout.count();
    writer.object()
        .field("name", agent.name)
        .field("computing_power", agent.computing_power)
        .field("operations_running", alive ? agent.running : 0)
        .time("created_at", agent.created_at)
        .time("last_heartbeat_at", agent.last_heartbeat_at)
        .field("alive", alive)
        .end_object();
  });
  return Response::json(200, out.str());
}

void CalculatorRoutes::add(orchestra::http::Routes& routes) {
  using namespace orchestra::schema;
  auto user = settings_.required_scope.empty() ? Access::authenticated()
                                               : Access::scope(settings_.required_scope);
  auto route = [&](Method method, const char* path, const char* summary, Access access,
                   Response (CalculatorRoutes::*handler)(const Request&), std::string request,
                   std::map<int, std::string> responses,
                   std::vector<orchestra::http::QueryParameter> query = {}) {
    routes.add(method, path, [this, handler](const Request& r) { return (this->*handler)(r); },
               {summary, Execution::blocking, std::move(access), std::move(request),
                std::move(responses), std::move(query)});
  };
  auto status = R"({"type":"string","enum":["pending","in_progress","ok","error"]})";
  auto expression = record(
      {{"id", kString}, {"user_id", kString}, {"req_uid", kString}, {"expression", kString},
       {"status", status}, {"result", R"({"type":["number","null"]})"},
       {"error", R"({"oneOf":[{"type":"null"},)" +
                     record({{"message", kString}, {"position", kInteger}}) + "]}"},
       {"operations_total", kInteger}, {"operations_done", kInteger}, {"created_at", kTimestamp},
       {"eval_started_at", kOptionalTimestamp}, {"eval_finished_at", kOptionalTimestamp}});
  auto operand = R"({"type":"object","additionalProperties":false,"properties":)"
                 R"({"operation":{"type":"integer"},"value":{"type":"number"}}})";
  auto operation = record({{"index", kInteger}, {"operator", R"({"enum":["+","-","*","/"]})"},
                           {"negate", kBoolean}, {"position", kInteger}, {"left", operand},
                           {"right", operand}, {"done", kBoolean}});
  auto graph = R"({"type":"object","additionalProperties":false,"required":["items","next_cursor","result"],)"
               R"("properties":{"items":{"type":"array","items":)" + operation +
               R"(},"next_cursor":{"type":"null"},"result":)" + operand + "}}";
  auto durations_schema = R"({"type":"object","additionalProperties":false,"properties":{)"
                          R"("+":{"type":"integer","minimum":0,"maximum":65535},)"
                          R"("-":{"type":"integer","minimum":0,"maximum":65535},)"
                          R"("*":{"type":"integer","minimum":0,"maximum":65535},)"
                          R"("/":{"type":"integer","minimum":0,"maximum":65535}}})";
  auto agent = record({{"name", kString}, {"computing_power", kInteger},
                       {"operations_running", kInteger}, {"created_at", kTimestamp},
                       {"last_heartbeat_at", kTimestamp}, {"alive", kBoolean}});
  route(Method::post, "/expressions", "Submit an expression {req_uid, expression}", user,
        &CalculatorRoutes::submit,
        body({{"req_uid", R"({"type":"string","minLength":1,"maxLength":128})"},
              {"expression", fmt::format(R"({{"type":"string","maxLength":{}}})",
                                         settings_.limits.max_length)}},
             {"req_uid", "expression"}),
        {{201, expression}, {200, expression}});
  route(Method::get, "/expressions", "Your expressions, newest first; status, limit, cursor",
        user, &CalculatorRoutes::list, {}, {{200, list_of(expression)}},
        {{"status", status, "only expressions in this status"},
         {"limit", limit_schema(500), "page size (default 50)"},
         {"cursor", kString, "next_cursor of the previous page"}});
  route(Method::get, "/expressions/{id}", "One of your expressions; ?wait=S long-polls", user,
        &CalculatorRoutes::get, {}, {{200, expression}},
        {{"wait",
          fmt::format(R"({{"type":"integer","minimum":0,"maximum":{}}})",
                      settings_.max_wait.count() / 1000),
          "seconds to wait for it to finish"}});
  route(Method::get, "/expressions/{id}/operations",
        "One of your expressions as its graph of operations, each done or not", user,
        &CalculatorRoutes::operations, {}, {{200, graph}});
  route(Method::get, "/durations", "Milliseconds each operator takes", user,
        &CalculatorRoutes::get_durations, {}, {{200, durations_schema}});
  route(Method::put, "/durations", "Change operator durations (admin)", Access::scope("admin"),
        &CalculatorRoutes::put_durations, durations_schema, {{200, durations_schema}});
  route(Method::get, "/agents", "Workers computing operations", user, &CalculatorRoutes::agents,
        {}, {{200, list_of(agent)}});
}

}  // namespace calculator
