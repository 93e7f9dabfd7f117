// The task system through the real binary: an api process enqueues, worker
// processes run, crash and come back; everything observed over HTTP.

#include "support/auth.hpp"
#include "support/http_client.hpp"
#include "support/test_server.hpp"

#include <doctest/doctest.h>

#include <rapidjson/document.h>

#include <csignal>
#include <set>
#include <thread>

using namespace orchestra::testing;
using namespace std::chrono_literals;

namespace {

std::string enqueue(std::uint16_t port, const std::string& body) {
  auto result = HttpClient(port).with_header("Authorization", bearer({"admin"})).post("/api/v1/echo/tasks", body);
  REQUIRE_MESSAGE(result.status == 202, result.body);
  rapidjson::Document document;
  document.Parse(result.body.c_str());
  return document["task_id"].GetString();
}

rapidjson::Document task(std::uint16_t port, const std::string& id) {
  rapidjson::Document document;
  document.Parse(admin_get(port, "/api/v1/tasks/" + id).body.c_str());
  return document;
}

rapidjson::Document wait_for_state(std::uint16_t port, const std::string& id,
                                   const std::string& state,
                                   std::chrono::milliseconds timeout = 15s) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    auto document = task(port, id);
    if (document.IsObject() && document.HasMember("state") && state == document["state"].GetString()) {
      return document;
    }
    std::this_thread::sleep_for(50ms);
  }
  FAIL("task " << id << " never reached " << state << ": " << admin_get(port, "/api/v1/tasks/" + id).body);
  return {};
}

}  // namespace

TEST_CASE("an api process enqueues and a worker process runs the task") {
  TempDir dir;
  TestServer api(dir, "api", test_config());
  TestServer worker(dir, "worker", test_config());
  auto id = enqueue(api.port(), R"({"type":"echo.value","payload":{"value":7}})");
  auto done = wait_for_state(api.port(), id, "succeeded");
  CHECK(done["result"]["value"].GetInt() == 7);
  CHECK(done["attempts"].GetInt() == 1);
  auto workers = admin_get(api.port(), "/api/v1/workers").body;
  CHECK(workers.find(R"("queues":["echo"])") != std::string::npos);  // the plugin's own queue
  auto stats = admin_get(api.port(), "/api/v1/tasks/stats").body;
  CHECK(stats.find(R"("echo.value":{"succeeded":1})") != std::string::npos);
}

TEST_CASE("a worker killed with SIGKILL mid-task loses nothing") {
  TempDir dir;
  TestServer api(dir, "api", test_config());
  auto id = enqueue(api.port(), R"({"type":"echo.sleep","payload":{"ms":2000}})");
  {
    TestServer doomed(dir, "worker", test_config());
    wait_for_state(api.port(), id, "running");
    doomed.signal(SIGKILL);
    CHECK(doomed.wait_exit(5s) == 128 + SIGKILL);
  }
  TestServer rescuer(dir, "worker", test_config());
  auto done = wait_for_state(api.port(), id, "succeeded", 20s);
  CHECK(done["attempts"].GetInt() == 2);
  CHECK(done["result"]["attempt"].GetInt() == 2);
}

TEST_CASE("SIGTERM lets a running task finish before the worker exits 0") {
  TempDir dir;
  TestServer all(dir, "all", test_config());
  auto id = enqueue(all.port(), R"({"type":"echo.sleep","payload":{"ms":1000}})");
  // Claimed is not started: a task still waiting for a handler thread at
  // SIGTERM is released, not run. Wait for the handler's first progress.
  for (int i = 0; i < 300; ++i) {
    auto record = task(all.port(), id);
    if (record.IsObject() && record["progress"]["message"] == "sleeping") break;
    std::this_thread::sleep_for(10ms);
  }
  all.signal(SIGTERM);
  CHECK(all.wait_exit(10s) == 0);
  TestServer reader(dir, "api", test_config());
  auto done = task(reader.port(), id);
  CHECK(std::string(done["state"].GetString()) == "succeeded");
}

TEST_CASE("task REST: errors, retries of dead tasks, cancellation, listing") {
  TempDir dir;
  TestServer all(dir, "all", test_config());
  HttpClient client(all.port());
  client.with_header("Authorization", bearer({"admin"}));
  CHECK(client.get("/api/v1/tasks/nope").status == 404);
  CHECK(client.post("/api/v1/tasks/nope/cancel", "").status == 404);
  CHECK(client.get("/api/v1/tasks?state=sleeping").status == 400);
  CHECK(client.get("/api/v1/tasks?limit=0").status == 400);
  CHECK(client.post("/api/v1/echo/tasks", R"({"type":"echo.missing"})").status == 422);
  CHECK(client.post("/api/v1/echo/tasks", R"({"type":"echo.noop","payload":1})").status == 202);

  auto dead = enqueue(all.port(), R"({"type":"echo.permanent"})");
  auto record = wait_for_state(all.port(), dead, "dead");
  CHECK(std::string(record["error"].GetString()) == "this input can never succeed");
  CHECK(client.post("/api/v1/tasks/" + dead + "/cancel", "").status == 409);
  CHECK(client.post("/api/v1/tasks/" + dead + "/retry", "").status == 202);
  wait_for_state(all.port(), dead, "dead");

  auto sleeping = enqueue(all.port(), R"({"type":"echo.sleep","payload":{"ms":10000}})");
  wait_for_state(all.port(), sleeping, "running");
  CHECK(client.post("/api/v1/tasks/" + sleeping + "/cancel", "").status == 202);
  wait_for_state(all.port(), sleeping, "cancelled");
  CHECK(client.post("/api/v1/tasks/" + sleeping + "/retry", "").status == 202);
  CHECK(client.post("/api/v1/tasks/" + sleeping + "/cancel", "").status == 202);

  // Run again: a new task like the finished one; a live one is refused.
  auto value = enqueue(all.port(), R"({"type":"echo.value","payload":{"value":5}})");
  wait_for_state(all.port(), value, "succeeded");
  auto rerun = client.post("/api/v1/tasks/" + value + "/rerun", "");
  REQUIRE(rerun.status == 201);
  rapidjson::Document again;
  again.Parse(rerun.body.c_str());
  std::string again_id = again["id"].GetString();
  CHECK(again_id != value);
  CHECK(again["payload"]["value"].GetInt() == 5);
  CHECK(rerun.header("location") == "/api/v1/tasks/" + again_id);
  wait_for_state(all.port(), again_id, "succeeded");
  CHECK(client.post("/api/v1/tasks/nope/rerun", "").status == 404);
  auto live = enqueue(all.port(), R"({"type":"echo.sleep","payload":{"ms":10000}})");
  wait_for_state(all.port(), live, "running");
  CHECK(client.post("/api/v1/tasks/" + live + "/rerun", "").status == 409);
  CHECK(client.post("/api/v1/tasks/" + live + "/cancel", "").status == 202);

  // Without the tasks scope a user lists only the tasks run for them.
  HttpClient stranger(all.port());
  stranger.with_header("Authorization", bearer({}, "someone-else"));
  auto own = stranger.get("/api/v1/tasks");
  REQUIRE(own.status == 200);
  CHECK(own.body == R"({"items":[],"next_cursor":null})");

  auto page = client.get("/api/v1/tasks?type=echo.permanent&limit=1");
  CHECK(page.status == 200);
  CHECK(page.body.find(dead) != std::string::npos);
  auto metrics = client.get("/metrics").body;
  CHECK(metrics.find(R"(orchestra_tasks_dead_total{type="echo.permanent"} 2)") != std::string::npos);
  CHECK(metrics.find("orchestra_task_queue_depth{queue=\"echo\"") != std::string::npos);
}

TEST_CASE("a schedule fires once per fire time across two workers") {
  TempDir dir;
  auto config = test_config("  echo:\n    tick_every: 1s\n");
  TestServer first(dir, "worker", config);
  TestServer second(dir, "worker", config);
  TestServer api(dir, "api", config);
  std::this_thread::sleep_for(3500ms);
  rapidjson::Document page;
  page.Parse(admin_get(api.port(), "/api/v1/tasks?type=echo.noop&limit=100").body.c_str());
  std::set<std::string> keys;
  for (const auto& item : page["items"].GetArray()) keys.insert(item["unique_key"].GetString());
  CHECK(page["items"].Size() >= 3);
  CHECK(keys.size() == page["items"].Size());
  auto schedules = admin_get(api.port(), "/api/v1/schedules").body;
  CHECK(schedules.find(R"("name":"echo.tick","spec":"every 1s")") != std::string::npos);
}

TEST_CASE("schedules are re-timed or disabled from the YAML") {
  TempDir dir;
  auto disabled = test_config("  echo:\n    tick_every: 1s\n    schedules:\n      tick:\n        enabled: false\n");
  TestServer server(dir, "all", disabled);
  CHECK(admin_get(server.port(), "/api/v1/schedules").body.find(R"("enabled":false)") !=
        std::string::npos);
  auto typo = run_orchestra(dir, {"config", "check", "--config",
                                  dir.write("typo.yaml", test_config("  echo:\n    tick_every: 1s\n    schedules:\n      tock: {}\n")).string()});
  CHECK(typo.exit_code == 1);
  CHECK(typo.output.find("plugins.echo.schedules.tock: unknown key (did you mean 'tick'?)") !=
        std::string::npos);
}
