// http::serialize_response: the HTTP/1.x bytes of a response, without
// header injection and without a body for HEAD.

#include "http/wire_format.hpp"

#include <doctest/doctest.h>

using namespace orchestra::http;

TEST_CASE("responses serialise to HTTP/1.1 without header injection") {
  auto response = Response::json(201, R"({"a":1})");
  response.headers.emplace_back("X-Ok", "yes");
  response.headers.emplace_back("X-Bad", "a\r\nSet-Cookie: evil=1");
  response.headers.emplace_back("X-Bad\nName", "v");
  auto wire = serialize_response(response, 11, true, false);
  CHECK(wire ==
        "HTTP/1.1 201 Created\r\nServer: orchestra\r\nContent-Type: application/json\r\n"
        "X-Ok: yes\r\nContent-Length: 7\r\n\r\n{\"a\":1}");
}

TEST_CASE("connection handling follows the HTTP version") {
  auto response = Response::json(201, R"({"a":1})");
  auto closing = serialize_response(response, 11, false, false);
  CHECK(closing.ends_with("Content-Length: 7\r\nConnection: close\r\n\r\n{\"a\":1}"));
  CHECK(serialize_response(response, 10, true, false).find("Connection: keep-alive\r\n") !=
        std::string::npos);
  CHECK(serialize_response(response, 11, true, false).find("Connection:") == std::string::npos);
}

TEST_CASE("a HEAD response has the GET headers but no body") {
  auto response = Response::json(200, R"({"a":1})");
  auto head = serialize_response(response, 11, true, true);
  CHECK(head.ends_with("Content-Length: 7\r\n\r\n"));
}
