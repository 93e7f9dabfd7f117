// A plugin used only by the tests: it proves loading, routes, typed
// config, JSON body errors and exception isolation against the real host.

#include <orchestra/json.hpp>
#include <orchestra/plugin.hpp>

#include <fmt/format.h>

#include <chrono>
#include <stdexcept>
#include <thread>

namespace {

using orchestra::http::Execution;
using orchestra::http::HttpError;
using orchestra::http::Method;
using orchestra::http::Request;
using orchestra::http::Response;

std::string json_string(const std::string& text) {
  rapidjson::Value value(rapidjson::StringRef(text.data(), text.size()));
  return orchestra::json::to_string(value);
}

class EchoPlugin final : public orchestra::Plugin {
 public:
  void setup(orchestra::Host& host) override {
    const auto& config = host.config();
    greeting_ = config.get<std::string>("greeting", "hello");
    max_sleep_ = config.get("max_sleep", std::chrono::milliseconds(10'000));
    if (config.get("fail_setup", false)) throw std::runtime_error("fail_setup is set");

    auto& routes = host.http();
    routes.add(Method::get, "/hello", [this](const Request&) { return hello(); },
               {"A small JSON greeting", Execution::inline_,
                orchestra::http::Access::public_()});
    routes.add(Method::get, "/whoami",
               [](const Request& r) {
                 return Response::json(200, fmt::format(R"({{"name":{}}})",
                                                        json_string(r.caller().name)));
               },
               {"The caller's name (any valid token)", Execution::inline_});
    routes.add(Method::post, "/echo", [](const Request& r) { return echo(r); },
               {"Echoes a JSON message"});
    routes.add(Method::get, "/items/{id}", [](const Request& r) { return item(r); },
               {"Echoes a path parameter and the query"});
    routes.add(Method::get, "/fail", [](const Request&) -> Response {
      throw std::runtime_error("echo fails on purpose");
    }, {"Always throws"});
    // Answers what its declaration says it does not: the contract check's
    // test subject. ?broken=false answers as declared.
    routes.add(Method::post, "/contract", [](const Request& r) {
      return r.query_param("broken").value_or("true") == "true"
                 ? Response::json(200, R"({"id":"not a number"})")
                 : Response::json(200, R"({"id":7})");
    }, {"Answers against its declared schema (for tests)", Execution::inline_,
        orchestra::http::Access::authenticated(),
        R"({"type":"object","required":["name"],"properties":{"name":{"type":"string","maxLength":5}}})",
        {{200, R"({"type":"object","required":["id"],"properties":{"id":{"type":"integer"}}})"}}});
    routes.add(Method::get, "/slow", [this](const Request& r) { return slow(r); },
               {"Answers after ?ms= milliseconds"});
    routes.add(Method::post, "/tasks", [&host](const Request& r) { return enqueue(host, r); },
               {"Enqueues an echo.* task: {type, payload, priority, delay_ms, unique_key}"});
    define_tasks(host);
    if (auto every = config.optional<std::chrono::milliseconds>("tick_every")) {
      host.schedules().every("tick", *every, "echo.noop");
    }
  }

 private:
  static void define_tasks(orchestra::Host& host) {
    using orchestra::tasks::TaskContext;
    using orchestra::tasks::TaskOptions;
    auto& tasks = host.tasks();
    tasks.define("echo.noop", [](TaskContext&) { return std::string("{}"); });
    TaskOptions quick_retries;
    quick_retries.backoff.initial = std::chrono::milliseconds(50);
    quick_retries.backoff.max = std::chrono::milliseconds(200);
    quick_retries.lease = std::chrono::milliseconds(1000);
    tasks.define("echo.sleep", [](TaskContext& context) { return sleep_task(context); },
                 quick_retries);
    tasks.define("echo.flaky", [](TaskContext& context) { return flaky_task(context); },
                 quick_retries);
    tasks.define("echo.permanent", [](TaskContext&) -> std::string {
      throw orchestra::tasks::PermanentError("this input can never succeed");
    }, quick_retries);
    tasks.define("echo.value", [](TaskContext& context) { return context.payload(); });
    tasks.define("echo.sum", [](TaskContext& context) { return sum_task(context); });
  }

  static std::int64_t payload_int(const std::string& payload, const char* field) {
    auto document = orchestra::json::parse_object(payload);
    return orchestra::json::ObjectReader(document).optional<std::int64_t>(field).value_or(0);
  }

  static std::string sleep_task(orchestra::tasks::TaskContext& context) {
    auto until = std::chrono::steady_clock::now() +
                 std::chrono::milliseconds(payload_int(context.payload(), "ms"));
    context.progress(0.01, "sleeping");  // tests wait for this: the handler has started
    while (std::chrono::steady_clock::now() < until) {
      if (context.cancelled()) return R"({"cancelled":true})";
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    context.progress(1.0, "slept");
    return fmt::format(R"({{"attempt":{}}})", context.attempt());
  }

  static std::string flaky_task(orchestra::tasks::TaskContext& context) {
    if (context.attempt() <= payload_int(context.payload(), "fail_times")) {
      throw std::runtime_error(fmt::format("flaky failure on attempt {}", context.attempt()));
    }
    return fmt::format(R"({{"attempt":{}}})", context.attempt());
  }

  static std::string sum_task(orchestra::tasks::TaskContext& context) {
    std::int64_t total = 0;
    for (const auto& [id, result] : context.dependency_results()) {
      total += payload_int(result, "value");
    }
    return fmt::format(R"({{"value":{}}})", total);
  }

  static Response enqueue(orchestra::Host& host, const Request& request) {
    auto document = orchestra::json::parse_object(request.body);
    orchestra::json::ObjectReader body(document);
    body.only({"type", "payload", "priority", "delay_ms", "unique_key"});
    orchestra::tasks::NewTask task;
    task.type = body.require<std::string>("type");
    if (document.HasMember("payload")) {
      task.payload = orchestra::json::to_string(document["payload"]);
    }
    if (auto priority = body.optional<std::int64_t>("priority")) {
      task.priority = static_cast<int>(*priority);
    }
    if (auto delay = body.optional<std::int64_t>("delay_ms")) {
      task.run_at = orchestra::tasks::Clock::now() + std::chrono::milliseconds(*delay);
    }
    task.unique_key = body.optional<std::string>("unique_key");
    task.owner = request.caller().subject;
    try {
      auto id = host.tasks().enqueue(std::move(task));
      return Response::json(202, fmt::format(R"({{"task_id":{}}})", json_string(id)));
    } catch (const orchestra::tasks::EnqueueError& error) {
      throw HttpError(422, error.what());
    }
  }

  Response hello() const {
    return Response::json(200, fmt::format(R"({{"message":{}}})", json_string(greeting_)));
  }

  static Response echo(const Request& request) {
    auto document = orchestra::json::parse_object(request.body);
    orchestra::json::ObjectReader body(document);
    body.only({"message", "repeat"});
    auto message = body.require<std::string>("message");
    auto repeat = body.optional<std::int64_t>("repeat").value_or(1);
    if (repeat < 1 || repeat > 100) {
      throw HttpError(422, "field 'repeat' must be between 1 and 100");
    }
    return Response::json(200, fmt::format(R"({{"message":{},"repeat":{}}})", json_string(message),
                                           repeat));
  }

  static Response item(const Request& request) {
    auto tag = request.query_param("tag").value_or("");
    return Response::json(200, fmt::format(R"({{"id":{},"tag":{}}})",
                                           json_string(request.path_param("id")), json_string(tag)));
  }

  Response slow(const Request& request) const {
    auto text = request.query_param("ms").value_or("100");
    long ms = 0;
    try {
      ms = std::stol(text);
    } catch (const std::exception&) {
      throw HttpError(400, "query parameter 'ms' must be an integer");
    }
    if (ms < 0 || ms > max_sleep_.count()) {
      throw HttpError(400, fmt::format("query parameter 'ms' must be between 0 and {}",
                                       max_sleep_.count()));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    return Response::json(200, fmt::format(R"({{"slept_ms":{}}})", ms));
  }

  std::string greeting_;
  std::chrono::milliseconds max_sleep_{};
};

}  // namespace

ORCHESTRA_PLUGIN(EchoPlugin, "echo", "1.0.0", "Test plugin: echoes requests")
