#include "app/core_routes.hpp"

#include <orchestra/abi.hpp>
#include <orchestra/json_writer.hpp>
#include <orchestra/schema.hpp>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <map>
#include <set>

namespace orchestra::app {
namespace {

using http::Access;
using http::Execution;
using http::Method;
using http::Request;
using http::Response;

Response readiness(const std::vector<ReadinessCheck>& checks) {
  json::Writer results;
  results.object();
  std::string failures;
  for (const auto& check : checks) {
    std::optional<std::string> problem;
    try {
      problem = check.probe();
    } catch (const std::exception& error) {
      problem = error.what();
    }
    results.field(check.name, problem.value_or("ok"));
    if (problem) failures += (failures.empty() ? "" : "; ") + check.name + ": " + *problem;
  }
  results.end_object();
  json::Writer out;
  out.object();
  if (failures.empty()) {
    out.field("status", "ready").raw_field("checks", results.str()).end_object();
    return Response::json(200, out.str());
  }
  out.field("type", "about:blank")
      .field("title", "Service Unavailable")
      .field("status", 503)
      .field("detail", failures)
      .raw_field("checks", results.str())
      .end_object();
  return Response{503, "application/problem+json", out.str(), {}, nullptr};
}

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void problem_response(Writer& out, const char* status, const char* description) {
  out.Key(status);
  out.StartObject();
  out.Key("description");
  out.String(description);
  out.Key("content");
  out.StartObject();
  out.Key("application/problem+json");
  out.StartObject();
  out.Key("schema");
  out.StartObject();
  out.Key("$ref");
  out.String("#/components/schemas/Problem");
  out.EndObject();
  out.EndObject();
  out.EndObject();
  out.EndObject();
}

void raw(Writer& out, const std::string& json) {
  out.RawValue(json.data(), json.size(), rapidjson::kObjectType);
}

// "content": {"application/json": {"schema": ...}}
void json_content(Writer& out, const std::string& schema) {
  out.Key("content");
  out.StartObject();
  out.Key("application/json");
  out.StartObject();
  out.Key("schema");
  raw(out, schema);
  out.EndObject();
  out.EndObject();
}

void operation(Writer& out, const std::string& path, const http::RouteTarget& target) {
  std::string method(http::method_name(target.method));
  for (auto& c : method) c = static_cast<char>(std::tolower(c));
  out.Key(method.c_str());
  out.StartObject();
  out.Key("summary");
  out.String(target.options.summary);
  out.Key("operationId");
  out.String(method + path);
  out.Key("tags");
  out.StartArray();
  out.String(target.owner);
  out.EndArray();
  out.Key("parameters");
  out.StartArray();
  // A declared parameter named as a path segment describes that segment.
  std::set<std::string> in_path;
  for (auto open = path.find('{'); open != std::string::npos; open = path.find('{', open + 1)) {
    auto name = path.substr(open + 1, path.find('}', open) - open - 1);
    in_path.insert(name);
    const http::QueryParameter* declared = nullptr;
    for (const auto& parameter : target.options.query) {
      if (parameter.name == name) declared = &parameter;
    }
    out.StartObject();
    out.Key("name");
    out.String(name);
    out.Key("in");
    out.String("path");
    out.Key("required");
    out.Bool(true);
    if (declared && !declared->description.empty()) {
      out.Key("description");
      out.String(declared->description);
    }
    out.Key("schema");
    raw(out, declared ? declared->schema : R"({"type":"string"})");
    out.EndObject();
  }
  for (const auto& parameter : target.options.query) {
    if (in_path.contains(parameter.name)) continue;
    out.StartObject();
    out.Key("name");
    out.String(parameter.name);
    out.Key("in");
    out.String("query");
    out.Key("required");
    out.Bool(parameter.required);
    if (!parameter.description.empty()) {
      out.Key("description");
      out.String(parameter.description);
    }
    out.Key("schema");
    raw(out, parameter.schema.empty() ? R"({"type":"string"})" : parameter.schema);
    out.EndObject();
  }
  out.EndArray();
  if (!target.options.request.empty()) {
    out.Key("requestBody");
    out.StartObject();
    out.Key("required");
    out.Bool(true);
    json_content(out, target.options.request);
    out.EndObject();
  }
  // Public routes need nothing; the rest a bearer token, with a scope
  // where they name one (admin holds every scope).
  const auto& access = target.options.access;
  out.Key("security");
  out.StartArray();
  if (access.kind() != http::Access::Kind::public_) {
    out.StartObject();
    out.Key("bearer");
    out.StartArray();
    if (access.kind() == http::Access::Kind::scope) out.String(access.scope_name());
    out.EndArray();
    out.EndObject();
  }
  out.EndArray();
  out.Key("responses");
  out.StartObject();
  for (const auto& [status, schema] : target.options.responses) {
    auto code = std::to_string(status);
    out.Key(code.c_str());
    out.StartObject();
    out.Key("description");
    out.String(std::string(http::status_reason(status)));
    if (!schema.empty()) json_content(out, schema);
    out.EndObject();
  }
  if (target.options.responses.empty()) {
    out.Key("default");
    out.StartObject();
    out.Key("description");
    out.String("See the summary");
    out.EndObject();
  }
  const auto& declared = target.options.responses;
  if (!declared.contains(400)) problem_response(out, "400", "The request names its problem");
  if (access.kind() != http::Access::Kind::public_ && !declared.contains(401)) {
    problem_response(out, "401", "No valid bearer token");
  }
  if (access.kind() == http::Access::Kind::scope && !declared.contains(403)) {
    problem_response(out, "403", "The token lacks the scope");
  }
  out.EndObject();
  out.EndObject();
}

void components(Writer& out) {
  out.Key("components");
  out.StartObject();
  out.Key("securitySchemes");
  out.StartObject();
  out.Key("bearer");
  out.StartObject();
  out.Key("type");
  out.String("http");
  out.Key("scheme");
  out.String("bearer");
  out.Key("description");
  out.String("An access token from POST /api/v1/auth/login, or a service token (ost_...)");
  out.EndObject();
  out.EndObject();
  out.Key("schemas");
  out.StartObject();
  out.Key("Problem");
  out.StartObject();
  out.Key("type");
  out.String("object");
  out.Key("description");
  out.String("RFC 9457 problem details");
  out.Key("properties");
  out.StartObject();
  for (const char* field : {"type", "title", "detail"}) {
    out.Key(field);
    out.StartObject();
    out.Key("type");
    out.String("string");
    out.EndObject();
  }
  out.Key("status");
  out.StartObject();
  out.Key("type");
  out.String("integer");
  out.EndObject();
  out.EndObject();
  out.Key("required");
  out.StartArray();
  out.String("title");
  out.String("status");
  out.EndArray();
  out.EndObject();
  out.EndObject();
  out.EndObject();
}

std::string openapi_document(const http::Router& router) {
  std::map<std::string, std::vector<const http::RouteTarget*>> paths;
  for (const auto& target : router.targets()) paths[target.path_template].push_back(&target);
  rapidjson::StringBuffer buffer;
  Writer out(buffer);
  out.StartObject();
  out.Key("openapi");
  out.String("3.1.0");
  out.Key("info");
  out.StartObject();
  out.Key("title");
  out.String("Orchestra");
  out.Key("version");
  out.String(ORCHESTRA_VERSION);
  out.EndObject();
  out.Key("paths");
  out.StartObject();
  for (const auto& [path, targets] : paths) {
    out.Key(path.c_str(), static_cast<rapidjson::SizeType>(path.size()));
    out.StartObject();
    for (const auto* target : targets) operation(out, path, *target);
    out.EndObject();
  }
  out.EndObject();
  components(out);
  out.EndObject();
  return buffer.GetString();
}

}  // namespace

void add_probe_routes(http::Router& router, std::vector<ReadinessCheck> checks,
                      const metrics::Registry& registry, bool public_metrics) {
  router.add(
      Method::get, "/healthz",
      [](const Request&) { return Response::json(200, R"({"status":"ok"})"); },
      {"Liveness: the process is up", Execution::inline_, Access::public_(), {},
       {{200, schema::record({{"status", R"({"enum":["ok"]})"}})}}},
      "core");
  router.add(
      Method::get, "/readyz",
      [checks = std::move(checks)](const Request&) { return readiness(checks); },
      {"Readiness: the database and the task queue answer", Execution::blocking,
       Access::public_(), {},
       {{200, schema::record({{"status", R"({"enum":["ready"]})"},
                              {"checks", R"({"type":"object","additionalProperties":{"type":"string"}})"}})}}},
      "core");
  router.add(
      Method::get, "/metrics",
      [&registry](const Request&) {
        return Response::text(200, registry.render(), "text/plain; version=0.0.4");
      },
      {"Prometheus metrics (text)", Execution::blocking,
       public_metrics ? Access::public_() : Access::scope("metrics"), {}, {{200, ""}}},
      "core");
}

void add_openapi_route(http::Router& router) {
  router.add(
      Method::get, "/openapi.json",
      [&router](const Request&) { return Response::json(200, openapi_document(router)); },
      {"This API's OpenAPI 3.1 description", Execution::inline_, Access::public_(), {},
       {{200, R"({"type":"object","required":["openapi","info","paths"]})"}}},
      "core");
}

}  // namespace orchestra::app
