// Bad requests of every kind get a problem+json answer, never a crash.

#include "support/auth.hpp"
#include "support/http_client.hpp"
#include "support/test_server.hpp"

#include <doctest/doctest.h>

#include <rapidjson/document.h>

using namespace orchestra::testing;

namespace {

void check_problem(const HttpResult& result, int status, const std::string& detail_part) {
  CHECK(result.status == status);
  CHECK(result.header("content-type") == "application/problem+json");
  rapidjson::Document body;
  body.Parse(result.body.c_str());
  REQUIRE_MESSAGE(body.IsObject(), result.body);
  CHECK(body["status"].GetInt() == status);
  CHECK(body.HasMember("title"));
  CHECK(body.HasMember("type"));
  std::string detail = body["detail"].GetString();
  CHECK_MESSAGE(detail.find(detail_part) != std::string::npos, detail);
}

}  // namespace

TEST_CASE("malformed and mistyped JSON bodies get 400 naming the problem") {
  TempDir dir;
  TestServer server(dir, "all", test_config());
  HttpClient client(server.port());
  client.with_header("Authorization", bearer({"admin"}));
  check_problem(client.post("/api/v1/echo/echo", R"({"message": )"), 400, "malformed JSON");
  check_problem(client.post("/api/v1/echo/echo", R"([1,2])"), 400, "must be a JSON object");
  check_problem(client.post("/api/v1/echo/echo", R"({"message": 5})"), 400,
                "field 'message' must be a string");
  check_problem(client.post("/api/v1/echo/echo", R"({"message": "x", "repeat": "2"})"), 400,
                "field 'repeat' must be an integer");
  check_problem(client.post("/api/v1/echo/echo", R"({"mesage": "x"})"), 400,
                "unknown field 'mesage'");
  check_problem(client.post("/api/v1/echo/echo", R"({})"), 400, "field 'message' is required");
  auto good = client.post("/api/v1/echo/echo", R"({"message": "x\"y", "repeat": 2})");
  CHECK(good.status == 200);
  CHECK(good.body == R"({"message":"x\"y","repeat":2})");
}

TEST_CASE("unknown routes get 404 and wrong methods 405 with Allow") {
  TempDir dir;
  TestServer server(dir, "all", test_config());
  HttpClient client(server.port());
  client.with_header("Authorization", bearer({"admin"}));
  check_problem(client.get("/nope"), 404, "no route for /nope");
  auto wrong = client.request("DELETE", "/api/v1/echo/hello");
  check_problem(wrong, 405, "DELETE is not allowed");
  CHECK(wrong.header("allow") == "GET, HEAD");
  check_problem(client.get("/api/v1/echo/items/%zz"), 400, "path is malformed");
  check_problem(client.get("/api/v1/echo/items/1?tag=%"), 400, "query string");
}

TEST_CASE("an exception in a plugin handler is a 500 problem and is logged with the plugin") {
  TempDir dir;
  TestServer server(dir, "all", test_config());
  HttpClient client(server.port());
  client.with_header("Authorization", bearer({"admin"}));
  auto failed = client.request("GET", "/api/v1/echo/fail", {}, {{"X-Request-Id", "boom-1"}});
  check_problem(failed, 500, "boom-1");
  CHECK(failed.body.find("echo fails on purpose") == std::string::npos);
  CHECK(client.get("/api/v1/echo/hello").status == 200);
  CHECK(server.output().find("[echo] GET /api/v1/echo/fail failed (request boom-1): echo fails "
                             "on purpose") != std::string::npos);
}

TEST_CASE("with server.validate_responses an answer that breaks its route's schemas is a 500 naming the difference") {
  TempDir dir;
  TestServer server(dir, "all", test_config());
  HttpClient client(server.port());
  client.with_header("Authorization", bearer({"admin"}));
  client.with_header("Content-Type", "application/json");
  auto broken = client.post("/api/v1/echo/contract", R"({"name":"ann"})");
  check_problem(broken, 500, "POST /api/v1/echo/contract breaks its declared contract");
  CHECK(broken.body.find("#/id") != std::string::npos);
  CHECK(client.post("/api/v1/echo/contract?broken=false", R"({"name":"ann"})").status == 200);
  // Accepted by the handler, refused by the schema: the declaration drifted.
  auto drift = client.post("/api/v1/echo/contract?broken=false", R"({"name":"annabelle"})");
  check_problem(drift, 500, "accepted a body its schema refuses");
  CHECK(server.output().find("breaks its declared contract") != std::string::npos);
  auto openapi = http_get(server.port(), "/openapi.json").body;
  CHECK(openapi.find(R"("requestBody":{"required":true,"content":{"application/json":{"schema":{"type":"object","required":["name"])") !=
        std::string::npos);
}

TEST_CASE("an oversized body gets 413 and the connection closes") {
  TempDir dir;
  TestServer server(dir, "all", test_config(), {{"ORCHESTRA_SERVER__MAX_BODY_BYTES", "1024"}});
  HttpClient client(server.port());
  client.with_header("Authorization", bearer({"admin"}));
  CHECK(client.post("/api/v1/echo/echo", R"({"message":")" + std::string(900, 'a') + R"("})")
            .status == 200);
  auto big = client.post("/api/v1/echo/echo", R"({"message":")" + std::string(2000, 'a') + "\"}");
  check_problem(big, 413, "exceeds the limit of 1024 bytes");
  CHECK(client.closed_by_peer());
  auto chunked = HttpClient(server.port())
                     .raw("POST /api/v1/echo/echo HTTP/1.1\r\nHost: x\r\n"
                          "Transfer-Encoding: chunked\r\n\r\n800\r\n" +
                          std::string(2048, 'a') + "\r\n0\r\n\r\n");
  check_problem(chunked, 413, "exceeds the limit");
}

TEST_CASE("a Transfer-Encoding other than chunked alone is 400 and closes: nothing is smuggled") {
  TempDir dir;
  TestServer server(dir, "all", test_config());
  for (const char* codings : {"identity", "chunked, identity", "gzip, chunked"}) {
    HttpClient client(server.port());
    // Read as "no body", the second request would be answered too.
    auto first = client.raw(std::string("POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\n"
                                        "Transfer-Encoding: ") +
                            codings + "\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    CAPTURE(codings);
    check_problem(first, 400, "Transfer-Encoding");  // ours, or Beast's own refusal
    CHECK(client.closed_by_peer());
  }
  HttpClient both(server.port());
  auto answer = both.raw("POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
                         "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
  check_problem(answer, 400, "Transfer-Encoding");
  CHECK(both.closed_by_peer());
  CHECK(http_get(server.port(), "/healthz").status == 200);
}

TEST_CASE("oversized headers get 431 and malformed HTTP gets 400") {
  TempDir dir;
  TestServer server(dir, "all", test_config());
  auto huge = HttpClient(server.port())
                  .request("GET", "/healthz", {}, {{"X-Big", std::string(20000, 'b')}});
  check_problem(huge, 431, "headers are too large");
  auto garbage = HttpClient(server.port()).raw("GET / HTTP/1.1\r\nBad Header\r\n\r\n");
  check_problem(garbage, 400, "malformed HTTP request");
  auto unsupported = HttpClient(server.port()).raw("BREW /pot HTTP/1.1\r\nHost: x\r\n\r\n");
  check_problem(unsupported, 501, "method is not supported");
  CHECK(http_get(server.port(), "/healthz").status == 200);
}
