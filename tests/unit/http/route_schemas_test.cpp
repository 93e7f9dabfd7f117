// A route's declared schemas: what they accept, what they refuse and how
// the difference is named; a malformed schema is refused at declaration.

#include "http/route_schemas.hpp"

#include <orchestra/schema.hpp>

#include <doctest/doctest.h>

using orchestra::http::Response;
using orchestra::http::RouteOptions;
using orchestra::http::RouteSchemas;
namespace schema = orchestra::schema;

namespace {

RouteOptions declared() {
  RouteOptions options{"summary"};
  options.request = schema::body({{"name", R"({"type":"string","maxLength":5})"}}, {"name"});
  options.responses = {{200, schema::record({{"id", schema::kInteger},
                                             {"at", schema::kOptionalTimestamp}})},
                       {204, ""}};
  return options;
}

}  // namespace

TEST_CASE("route schemas: a response must be declared for its status and match it") {
  RouteSchemas schemas(declared());
  CHECK_FALSE(schemas.response_problem(Response::json(200, R"({"id":1,"at":null})")));
  auto extra = schemas.response_problem(Response::json(200, R"({"id":1,"at":null,"x":2})"));
  REQUIRE(extra);
  CHECK(extra->find("additionalProperties") != std::string::npos);
  auto wrong = schemas.response_problem(Response::json(200, R"({"id":"1","at":null})"));
  REQUIRE(wrong);
  CHECK(wrong->find("#/id") != std::string::npos);
  CHECK(schemas.response_problem(Response::json(201, R"({"id":1,"at":null})"))->find("201") !=
        std::string::npos);
  CHECK_FALSE(schemas.response_problem(Response::json(204, "")));
  CHECK(schemas.response_problem(Response::json(204, "{}")));
  CHECK_FALSE(schemas.response_problem(Response::problem(404, "gone")));  // problems share a shape
  CHECK(schemas.response_problem(Response::text(200, "hello")));        // declared JSON
}

TEST_CASE("route schemas: request bodies, and routes that declare nothing") {
  RouteSchemas schemas(declared());
  CHECK_FALSE(schemas.request_problem(R"({"name":"ann"})"));
  CHECK(schemas.request_problem(R"({"name":"annabelle"})")->find("maxLength") != std::string::npos);
  CHECK(schemas.request_problem(R"({})")->find("required") != std::string::npos);
  CHECK(schemas.request_problem("{")->find("not valid JSON") != std::string::npos);
  RouteSchemas none(RouteOptions{"no schemas"});
  CHECK_FALSE(none.request_problem("anything"));
  CHECK_FALSE(none.response_problem(Response::text(200, "anything")));
}

TEST_CASE("route schemas: a schema that is not a JSON object is refused") {
  RouteOptions broken{"broken"};
  broken.responses = {{200, "{not json"}};
  CHECK_THROWS_AS(RouteSchemas{broken}, std::invalid_argument);
  broken.responses = {{200, "[]"}};
  CHECK_THROWS_AS(RouteSchemas{broken}, std::invalid_argument);
}
