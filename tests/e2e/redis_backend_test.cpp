// The redis queue backend through the real binary: api and worker
// processes share tasks through the Redis started by scripts/test.sh.

#include "support/auth.hpp"
#include "support/http_client.hpp"
#include "support/test_server.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <random>
#include <thread>

using namespace orchestra::testing;
using namespace std::chrono_literals;

TEST_CASE("api and worker processes run tasks through Redis") {
  const char* redis = std::getenv("ORCHESTRA_TEST_REDIS_URL");
  if (redis == nullptr) {
    FAIL_CHECK("ORCHESTRA_TEST_REDIS_URL is not set; run ./scripts/test.sh");
    return;
  }
  TempDir dir;
  Environment env{{"ORCHESTRA_QUEUE__BACKEND", "redis"},
                  {"ORCHESTRA_QUEUE__REDIS_URL", redis},
                  {"ORCHESTRA_QUEUE__REDIS_PREFIX",
                   "e2e" + std::to_string(std::random_device{}()) + ":"}};
  TestServer api(dir, "api", test_config(), env);
  TestServer worker(dir, "worker", test_config(), env);
  auto ready = http_get(api.port(), "/readyz");
  CHECK(ready.status == 200);
  CHECK(ready.body.find(R"("queue":"ok")") != std::string::npos);
  auto created = HttpClient(api.port()).with_header("Authorization", bearer({"admin"})).post("/api/v1/echo/tasks",
                                             R"({"type":"echo.flaky","payload":{"fail_times":1}})");
  REQUIRE(created.status == 202);
  auto id = created.body.substr(created.body.find(':') + 2, 36);
  std::string body;
  for (int i = 0; i < 200; ++i) {
    body = admin_get(api.port(), "/api/v1/tasks/" + id).body;
    if (body.find(R"("state":"succeeded")") != std::string::npos) break;
    std::this_thread::sleep_for(50ms);
  }
  CHECK(body.find(R"("state":"succeeded")") != std::string::npos);
  CHECK(body.find(R"("attempts":2)") != std::string::npos);
  CHECK(admin_get(api.port(), "/api/v1/tasks/stats").body.find(R"("succeeded":1)") !=
        std::string::npos);
}

TEST_CASE("readyz reports an unreachable Redis as not ready") {
  TempDir dir;
  Environment env{{"ORCHESTRA_QUEUE__BACKEND", "redis"},
                  {"ORCHESTRA_QUEUE__REDIS_URL", "redis://127.0.0.1:1/0"}};
  TestServer api(dir, "api", test_config(), env);
  auto ready = http_get(api.port(), "/readyz");
  CHECK(ready.status == 503);
  CHECK(ready.header("content-type") == "application/problem+json");
  CHECK(ready.body.find(R"("database":"ok")") != std::string::npos);
  CHECK(ready.body.find("queue: Redis at 127.0.0.1:1") != std::string::npos);
  CHECK(http_get(api.port(), "/healthz").status == 200);
}
