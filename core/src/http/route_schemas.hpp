#pragma once
// A route's declared JSON Schemas (RouteOptions::request, ::responses),
// compiled once, and the checks against them.

#include <orchestra/http.hpp>

#include <rapidjson/schema.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace orchestra::http {

class RouteSchemas {
 public:
  // Throws std::invalid_argument naming the schema that is not JSON.
  explicit RouteSchemas(const RouteOptions& options);

  // Why `body` does not match the request schema; nullopt when it does or
  // when the route declares none.
  std::optional<std::string> request_problem(std::string_view body) const;
  // Why a response does not match what the route declares for its status;
  // nullopt when it does, or when the route declares no responses at all.
  std::optional<std::string> response_problem(const Response& response) const;

 private:
  std::unique_ptr<rapidjson::SchemaDocument> request_;
  // Per status; nullptr for a declared response without a body.
  std::map<int, std::unique_ptr<rapidjson::SchemaDocument>> responses_;
};

}  // namespace orchestra::http
