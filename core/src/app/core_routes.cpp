#include "app/core_routes.hpp"

#include "log/logging.hpp"

#include <orchestra/abi.hpp>

#include <fmt/format.h>

#include <map>

namespace orchestra::app {
namespace {

using http::Access;
using http::Execution;
using http::Method;
using http::Request;
using http::Response;

Response readiness(const std::vector<ReadinessCheck>& checks) {
  std::string results;
  std::string failures;
  for (const auto& check : checks) {
    std::optional<std::string> problem;
    try {
      problem = check.probe();
    } catch (const std::exception& error) {
      problem = error.what();
    }
    if (!results.empty()) results += ',';
    results += "\"" + check.name + "\":\"";
    log::append_json_escaped(results, problem.value_or("ok"));
    results += '"';
    if (problem) failures += (failures.empty() ? "" : "; ") + check.name + ": " + *problem;
  }
  if (failures.empty()) {
    return Response::json(200, fmt::format(R"({{"status":"ready","checks":{{{}}}}})", results));
  }
  std::string detail;
  log::append_json_escaped(detail, failures);
  return Response{503, "application/problem+json",
                  fmt::format(R"({{"type":"about:blank","title":"Service Unavailable",)"
                              R"("status":503,"detail":"{}","checks":{{{}}}}})",
                              detail, results),
                  {},
                  nullptr};
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

// A self-contained page (no CDN: deployments may be offline) listing the
// routes of /openapi.json.
constexpr const char* kDocsPage = R"html(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Orchestra API</title>
<style>body{font:14px system-ui,sans-serif;margin:2em}td,th{padding:.3em .8em;text-align:left}
th{background:#eee}code{font-size:13px}</style></head>
<body><h1>Orchestra API</h1><p>Machine-readable: <a href="openapi.json">/openapi.json</a></p>
<table id="routes"><tr><th>method</th><th>path</th><th>owner</th><th>summary</th></tr></table>
<script>
fetch('openapi.json').then(r => r.json()).then(api => {
  const table = document.getElementById('routes');
  for (const [path, methods] of Object.entries(api.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const row = table.insertRow();
      for (const text of [method.toUpperCase(), path, op.tags.join(', '), op.summary]) {
        const cell = row.insertCell();
        const code = document.createElement('code');
        code.textContent = text;
        cell.appendChild(code);
      }
    }
  }
});
</script></body></html>
)html";

}  // namespace

void add_probe_routes(http::Router& router, std::vector<ReadinessCheck> checks,
                      const metrics::Registry& registry, bool public_metrics) {
  router.add(
      Method::get, "/healthz",
      [](const Request&) { return Response::json(200, R"({"status":"ok"})"); },
      {"Liveness: the process is up", Execution::inline_, Access::public_()}, "core");
  router.add(
      Method::get, "/readyz",
      [checks = std::move(checks)](const Request&) { return readiness(checks); },
      {"Readiness: the database and the task queue answer", Execution::blocking, Access::public_()}, "core");
  router.add(
      Method::get, "/metrics",
      [&registry](const Request&) {
        return Response::text(200, registry.render(), "text/plain; version=0.0.4");
      },
      {"Prometheus metrics", Execution::blocking,
       public_metrics ? Access::public_() : Access::scope("metrics")}, "core");
}

void add_openapi_route(http::Router& router) {
  router.add(
      Method::get, "/openapi.json",
      [&router](const Request&) { return Response::json(200, openapi_document(router)); },
      {"This API's OpenAPI description", Execution::inline_, Access::public_()}, "core");
  router.add(
      Method::get, "/docs",
      [](const Request&) { return Response::text(200, kDocsPage, "text/html; charset=utf-8"); },
      {"This API's routes, for people", Execution::inline_, Access::public_()}, "core");
}

}  // namespace orchestra::app
