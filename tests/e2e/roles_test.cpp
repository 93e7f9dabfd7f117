// The real binary in each role, driven over HTTP as a user would.

#include "support/auth.hpp"
#include "support/http_client.hpp"
#include "support/test_server.hpp"

#include <doctest/doctest.h>

using namespace orchestra::testing;

namespace {

void check_probes(std::uint16_t port) {
  HttpClient client(port);
  auto health = client.get("/healthz");
  CHECK(health.status == 200);
  CHECK(health.body == R"({"status":"ok"})");
  auto ready = client.get("/readyz");
  CHECK(ready.status == 200);
  CHECK(ready.body.find(R"("database":"ok")") != std::string::npos);
  CHECK(ready.body.find(R"("queue":"ok")") != std::string::npos);
  auto metrics = client.get("/metrics");
  CHECK(metrics.status == 200);
  CHECK(metrics.header("content-type").starts_with("text/plain"));
  CHECK(metrics.body.find("orchestra_build_info{") != std::string::npos);
  CHECK(metrics.body.find("orchestra_http_requests_in_flight") != std::string::npos);
  CHECK(metrics.body.find(R"(orchestra_http_requests_total{route="/healthz",method="GET",status="200"} 1)") !=
        std::string::npos);
  CHECK(metrics.body.find(R"(orchestra_http_request_duration_seconds_bucket{route="/readyz")") !=
        std::string::npos);
}

}  // namespace

TEST_CASE("role all serves probes, metrics and plugin routes on one listener") {
  TempDir dir;
  TestServer server(dir, "all", test_config("  echo:\n    greeting: hi there\n"));
  check_probes(server.port());
  auto hello = http_get(server.port(), "/api/v1/echo/hello");
  CHECK(hello.status == 200);
  CHECK(hello.body == R"({"message":"hi there"})");
  auto openapi = http_get(server.port(), "/openapi.json");
  CHECK(openapi.status == 200);
  CHECK(openapi.body.find(R"("/api/v1/echo/items/{id}")") != std::string::npos);
  CHECK(openapi.body.find(R"("name":"id","in":"path")") != std::string::npos);
  auto docs = http_get(server.port(), "/docs");
  CHECK(docs.status == 200);
  CHECK(docs.header("content-type") == "text/html; charset=utf-8");
  CHECK(docs.body.find("/docs/swagger-ui-bundle.js") != std::string::npos);
  CHECK(docs.header("content-security-policy").starts_with("default-src 'self'"));
}

TEST_CASE("role api serves plugin routes") {
  TempDir dir;
  TestServer server(dir, "api", test_config());
  check_probes(server.port());
  auto item = admin_get(server.port(), "/api/v1/echo/items/a%2Fb?tag=x+y");
  CHECK(item.status == 200);
  CHECK(item.body == R"({"id":"a/b","tag":"x y"})");
}

TEST_CASE("role worker serves only probes and metrics on worker.listen") {
  TempDir dir;
  TestServer server(dir, "worker", test_config());
  CHECK(server.output().find("probes and metrics, role worker") != std::string::npos);
  check_probes(server.port());
  CHECK(http_get(server.port(), "/api/v1/echo/hello").status == 404);
  CHECK(http_get(server.port(), "/openapi.json").status == 404);
}

TEST_CASE("api and worker processes share one SQLite database") {
  TempDir dir;
  TestServer api(dir, "api", test_config());
  TestServer worker(dir, "worker", test_config());
  CHECK(http_get(api.port(), "/readyz").status == 200);
  CHECK(http_get(worker.port(), "/readyz").status == 200);
}

TEST_CASE("request ids are echoed when given and generated when absent") {
  TempDir dir;
  TestServer server(dir, "all", test_config());
  HttpClient client(server.port());
  auto given = client.request("GET", "/healthz", {}, {{"X-Request-Id", "abc-123"}});
  CHECK(given.header("x-request-id") == "abc-123");
  auto generated = client.get("/healthz");
  CHECK(generated.header("x-request-id").size() == 16);
  auto other = client.get("/healthz");
  CHECK(other.header("x-request-id") != generated.header("x-request-id"));
  CHECK(server.output().find("GET /healthz 200") != std::string::npos);
  CHECK(server.output().find("id=abc-123") != std::string::npos);
}

TEST_CASE("keep-alive serves many requests on one connection and HEAD has no body") {
  TempDir dir;
  TestServer server(dir, "all", test_config());
  HttpClient client(server.port());
  for (int i = 0; i < 20; ++i) {
    auto result = client.get("/api/v1/echo/hello");
    REQUIRE(result.status == 200);
    CHECK(result.keep_alive);
  }
  auto head = client.request("HEAD", "/api/v1/echo/hello");
  CHECK(head.status == 200);
  CHECK(head.header("content-length") == "19");
  CHECK(client.get("/healthz").status == 200);
}

TEST_CASE("JSON log format writes one JSON object per line") {
  TempDir dir;
  TestServer server(dir, "all", test_config("log:\n  format: json\n"));
  http_get(server.port(), "/healthz");
  auto output = server.output();
  CHECK(output.find(R"({"ts":")") != std::string::npos);
  CHECK(output.find(R"("logger":"http","msg":"GET /healthz 200)") != std::string::npos);
}
