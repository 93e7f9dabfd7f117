#include "http/route_schemas.hpp"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>

#include <fmt/format.h>

#include <stdexcept>

namespace orchestra::http {
namespace {

std::unique_ptr<rapidjson::SchemaDocument> compile(const std::string& schema, const char* what) {
  rapidjson::Document document;
  document.Parse(schema.c_str(), schema.size());
  if (document.HasParseError() || !document.IsObject()) {
    throw std::invalid_argument(fmt::format(
        "the {} schema is not a JSON object ({} at offset {})", what,
        document.HasParseError() ? rapidjson::GetParseError_En(document.GetParseError())
                                 : "not an object",
        document.GetErrorOffset()));
  }
  return std::make_unique<rapidjson::SchemaDocument>(document);
}

// "not valid JSON", or where and which keyword the document breaks.
std::optional<std::string> mismatch(const rapidjson::SchemaDocument& schema,
                                    std::string_view json) {
  rapidjson::Document document;
  document.Parse(json.data(), json.size());
  if (document.HasParseError()) return std::string("not valid JSON");
  rapidjson::SchemaValidator validator(schema);
  if (document.Accept(validator)) return std::nullopt;
  rapidjson::StringBuffer where;
  validator.GetInvalidDocumentPointer().StringifyUriFragment(where);
  rapidjson::StringBuffer rule;
  validator.GetInvalidSchemaPointer().StringifyUriFragment(rule);
  return fmt::format("at {} it breaks the schema's '{}' (schema {})", where.GetString(),
                     validator.GetInvalidSchemaKeyword(), rule.GetString());
}

}  // namespace

RouteSchemas::RouteSchemas(const RouteOptions& options) {
  if (!options.request.empty()) request_ = compile(options.request, "request");
  for (const auto& [status, schema] : options.responses) {
    responses_[status] =
        schema.empty() ? nullptr : compile(schema, fmt::format("{} response", status).c_str());
  }
}

std::optional<std::string> RouteSchemas::request_problem(std::string_view body) const {
  if (!request_) return std::nullopt;
  if (auto problem = mismatch(*request_, body)) return "the request body: " + *problem;
  return std::nullopt;
}

std::optional<std::string> RouteSchemas::response_problem(const Response& response) const {
  if (responses_.empty() || response.stream) return std::nullopt;
  auto declared = responses_.find(response.status);
  if (declared == responses_.end()) {
    // Problems (4xx, 5xx) share one shape, checked by their own tests.
    if (response.status >= 400) return std::nullopt;
    return fmt::format("status {} is not among the declared responses", response.status);
  }
  bool json = response.content_type.starts_with("application/json");
  if (!declared->second) {
    if (!json || response.body.empty()) return std::nullopt;
    return fmt::format("status {} is declared without a JSON body, but has one", response.status);
  }
  if (!json) {
    return fmt::format("status {} is declared JSON, but is {}", response.status,
                       response.content_type);
  }
  if (auto problem = mismatch(*declared->second, response.body)) {
    return fmt::format("the {} response body: {}", response.status, *problem);
  }
  return std::nullopt;
}

}  // namespace orchestra::http
