#include "app/core_routes.hpp"

#include "log/logging.hpp"

#include <orchestra/abi.hpp>

#include <fmt/format.h>

#include <map>

namespace orchestra::app {
namespace {

using http::Execution;
using http::Method;
using http::Request;
using http::Response;

constexpr std::chrono::milliseconds kReadyWait{1000};

Response readiness(db::ConnectionPool* database) {
  std::string problem = database == nullptr ? "not open yet"
                                            : database->ping(kReadyWait).value_or("");
  if (problem.empty()) return Response::json(200, R"({"status":"ready","checks":{"database":"ok"}})");
  std::string escaped;
  log::append_json_escaped(escaped, problem);
  return Response{503, "application/problem+json",
                  fmt::format(R"({{"type":"about:blank","title":"Service Unavailable",)"
                              R"("status":503,"detail":"database: {}",)"
                              R"("checks":{{"database":"{}"}}}})",
                              escaped, escaped),
                  {}};
}

std::string openapi_document(const http::Router& router) {
  std::map<std::string, std::vector<const http::RouteTarget*>> paths;
  for (const auto& target : router.targets()) paths[target.path_template].push_back(&target);
  std::string out = fmt::format(
      R"({{"openapi":"3.1.0","info":{{"title":"Orchestra","version":"{}"}},"paths":{{)",
      ORCHESTRA_VERSION);
  bool first_path = true;
  for (const auto& [path, targets] : paths) {
    if (!first_path) out += ',';
    first_path = false;
    out += '"';
    log::append_json_escaped(out, path);
    out += "\":{";
    bool first_method = true;
    for (const auto* target : targets) {
      if (!first_method) out += ',';
      first_method = false;
      std::string method(http::method_name(target->method));
      for (auto& c : method) c = static_cast<char>(std::tolower(c));
      out += fmt::format(R"("{}":{{"summary":")", method);
      log::append_json_escaped(out, target->options.summary);
      out += R"(","tags":[")";
      log::append_json_escaped(out, target->owner);
      out += R"("],"parameters":[)";
      bool first_parameter = true;
      for (std::size_t open = path.find('{'); open != std::string::npos;
           open = path.find('{', open + 1)) {
        auto name = path.substr(open + 1, path.find('}', open) - open - 1);
        if (!first_parameter) out += ',';
        first_parameter = false;
        out += fmt::format(
            R"({{"name":"{}","in":"path","required":true,"schema":{{"type":"string"}}}})", name);
      }
      out += R"(],"responses":{"default":{"description":"See the summary"}}})";
    }
    out += '}';
  }
  out += "}}";
  return out;
}

}  // namespace

void add_probe_routes(http::Router& router, db::ConnectionPool* const& database,
                      const metrics::Registry& registry) {
  router.add(
      Method::get, "/healthz",
      [](const Request&) { return Response::json(200, R"({"status":"ok"})"); },
      {"Liveness: the process is up", Execution::inline_}, "core");
  router.add(
      Method::get, "/readyz", [&database](const Request&) { return readiness(database); },
      {"Readiness: the database answers", Execution::blocking}, "core");
  router.add(
      Method::get, "/metrics",
      [&registry](const Request&) {
        return Response::text(200, registry.render(), "text/plain; version=0.0.4");
      },
      {"Prometheus metrics", Execution::blocking}, "core");
}

void add_openapi_route(http::Router& router) {
  router.add(
      Method::get, "/openapi.json",
      [&router](const Request&) { return Response::json(200, openapi_document(router)); },
      {"This API's OpenAPI description", Execution::inline_}, "core");
}

}  // namespace orchestra::app
