// SIGTERM drains: in-flight requests finish, idle connections close, the
// process exits 0; the grace period bounds how long that takes.

#include "support/auth.hpp"
#include "support/http_client.hpp"
#include "support/test_server.hpp"

#include <doctest/doctest.h>

#include <csignal>
#include <future>
#include <thread>

using namespace orchestra::testing;
using namespace std::chrono_literals;

TEST_CASE("SIGTERM during a slow request lets it complete, then exits 0") {
  TempDir dir;
  TestServer server(dir, "all", test_config());
  HttpClient idle(server.port());
  REQUIRE(idle.get("/healthz").status == 200);
  auto slow = std::async(std::launch::async, [port = server.port()] {
    return HttpClient(port).with_header("Authorization", bearer({"admin"})).get("/api/v1/echo/slow?ms=1500");
  });
  std::this_thread::sleep_for(400ms);
  server.signal(SIGTERM);
  auto result = slow.get();
  CHECK(result.status == 200);
  CHECK(result.body == R"({"slept_ms":1500})");
  CHECK_FALSE(result.keep_alive);
  CHECK(idle.closed_by_peer());
  CHECK(server.wait_exit(10s) == 0);
  CHECK(server.output().find("received SIGTERM, draining") != std::string::npos);
  CHECK(server.output().find("stopped") != std::string::npos);
}

TEST_CASE("SIGINT with nothing in flight exits 0 at once") {
  TempDir dir;
  TestServer server(dir, "worker", test_config());
  server.signal(SIGINT);
  CHECK(server.wait_exit(5s) == 0);
}

TEST_CASE("the grace period bounds the drain") {
  TempDir dir;
  TestServer server(dir, "all", test_config(),
                    {{"ORCHESTRA_SERVER__SHUTDOWN_GRACE", "300ms"}});
  auto slow = std::async(std::launch::async, [port = server.port()] {
    try {
      return HttpClient(port).with_header("Authorization", bearer({"admin"})).get("/api/v1/echo/slow?ms=3000").status;
    } catch (const std::exception&) {
      return -1;
    }
  });
  std::this_thread::sleep_for(300ms);
  auto started = std::chrono::steady_clock::now();
  server.signal(SIGTERM);
  CHECK(server.wait_exit(10s) == 0);
  CHECK(std::chrono::steady_clock::now() - started < 2900ms);
  CHECK(server.output().find("grace period over") != std::string::npos);
  slow.wait();
}
