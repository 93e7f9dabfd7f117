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
               {"A small JSON greeting", Execution::inline_});
    routes.add(Method::post, "/echo", [](const Request& r) { return echo(r); },
               {"Echoes a JSON message"});
    routes.add(Method::get, "/items/{id}", [](const Request& r) { return item(r); },
               {"Echoes a path parameter and the query"});
    routes.add(Method::get, "/fail", [](const Request&) -> Response {
      throw std::runtime_error("echo fails on purpose");
    }, {"Always throws"});
    routes.add(Method::get, "/slow", [this](const Request& r) { return slow(r); },
               {"Answers after ?ms= milliseconds"});
  }

 private:
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
