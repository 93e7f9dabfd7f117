// Problem responses (RFC 9457) and the dispatcher that produces them.

#include "http/dispatcher.hpp"
#include "http/wire_format.hpp"
#include "log/logging.hpp"

#include <doctest/doctest.h>

#include <rapidjson/document.h>

using namespace orchestra::http;

namespace {

rapidjson::Document parse(const std::string& body) {
  rapidjson::Document document;
  document.Parse(body.c_str());
  REQUIRE_FALSE(document.HasParseError());
  return document;
}

Response dispatch(const Router& router, Method method, std::string target) {
  Dispatcher dispatcher(router, false, orchestra::log::logger("test"));
  Request request;
  request.method = method;
  request.target = std::move(target);
  request.request_id = "req-1";
  Response early;
  const auto* route = dispatcher.route(request, early);
  return route == nullptr ? early : dispatcher.invoke(*route, request);
}

}  // namespace

TEST_CASE("a problem is valid RFC 9457 JSON, escaped") {
  auto response = Response::problem(422, "bad \"name\"\nline\x01");
  CHECK(response.status == 422);
  CHECK(response.content_type == "application/problem+json");
  auto body = parse(response.body);
  CHECK(std::string(body["type"].GetString()) == "about:blank");
  CHECK(std::string(body["title"].GetString()) == "Unprocessable Content");
  CHECK(body["status"].GetInt() == 422);
  CHECK(std::string(body["detail"].GetString()) == "bad \"name\"\nline\x01");
  CHECK(parse(Response::problem(409, "x", "Custom").body)["title"].GetString() ==
        std::string("Custom"));
}

TEST_CASE("the dispatcher isolates handler exceptions") {
  Router router;
  router.add(Method::get, "/boom", [](const Request&) -> Response {
    throw std::runtime_error("secret internals");
  }, {}, "plugin-x");
  router.add(Method::get, "/conflict", [](const Request&) -> Response {
    HttpError error(409, "already done");
    error.headers.emplace_back("Retry-After", "5");
    throw error;
  }, {}, "plugin-x");
  router.add(Method::get, "/items/{id}", [](const Request& request) {
    return Response::json(200, request.path_param("id") + "|" +
                                   request.query_param("q").value_or("-"));
  }, {}, "plugin-x");

  auto boom = dispatch(router, Method::get, "/boom");
  CHECK(boom.status == 500);
  CHECK(boom.body.find("secret internals") == std::string::npos);
  CHECK(boom.body.find("req-1") != std::string::npos);

  auto conflict = dispatch(router, Method::get, "/conflict");
  CHECK(conflict.status == 409);
  CHECK(parse(conflict.body)["detail"].GetString() == std::string("already done"));
  CHECK(conflict.headers == std::vector<std::pair<std::string, std::string>>{{"Retry-After", "5"}});

  CHECK(dispatch(router, Method::get, "/items/7?q=a%20b").body == "7|a b");
  CHECK(dispatch(router, Method::get, "/items/7?q=%zz").status == 400);
  CHECK(dispatch(router, Method::get, "/nothing").status == 404);
  auto wrong = dispatch(router, Method::post, "/boom");
  CHECK(wrong.status == 405);
  CHECK(wrong.headers.front() == std::pair<std::string, std::string>{"Allow", "GET, HEAD"});
}

TEST_CASE("responses serialise to HTTP/1.1 without header injection") {
  auto response = Response::json(201, R"({"a":1})");
  response.headers.emplace_back("X-Ok", "yes");
  response.headers.emplace_back("X-Bad", "a\r\nSet-Cookie: evil=1");
  auto wire = serialize_response(response, 11, true, false);
  CHECK(wire ==
        "HTTP/1.1 201 Created\r\nServer: orchestra\r\nContent-Type: application/json\r\n"
        "X-Ok: yes\r\nContent-Length: 7\r\n\r\n{\"a\":1}");
  auto closing = serialize_response(response, 11, false, true);
  CHECK(closing.find("Connection: close\r\n") != std::string::npos);
  CHECK(closing.ends_with("Content-Length: 7\r\nConnection: close\r\n\r\n"));
  CHECK(serialize_response(response, 10, true, false).find("Connection: keep-alive") !=
        std::string::npos);
}
