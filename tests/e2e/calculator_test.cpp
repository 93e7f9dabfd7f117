// The calculator plugin through the real binary over HTTP: all-in-one on
// SQLite, and api + two workers on Redis with one worker SIGKILLed while it
// holds operations.

#include "support/auth.hpp"
#include "support/http_client.hpp"
#include "support/test_server.hpp"

#include <doctest/doctest.h>

#include <rapidjson/document.h>

#include <csignal>
#include <cstdlib>
#include <random>
#include <thread>

using namespace orchestra::testing;
using namespace std::chrono_literals;

namespace {

Environment calculator_env(Environment extra = {}) {
  extra.emplace("ORCHESTRA_PLUGINS__DIR", ORCHESTRA_PLUGIN_DIR);
  extra.emplace("ORCHESTRA_PLUGINS__ENABLED", "[calculator]");
  extra.emplace("ORCHESTRA_PLUGINS__CALCULATOR__AGENT_HEARTBEAT", "200ms");
  return extra;
}

rapidjson::Document parse(const std::string& text) {
  rapidjson::Document document;
  document.Parse(text.c_str());
  REQUIRE_MESSAGE(document.IsObject(), text);
  return document;
}

class User {
 public:
  User(std::uint16_t port, const std::string& login) : port_(port) {
    HttpClient client(port);
    auto credentials = R"({"login":")" + login + R"(","password":"password-1"})";
    REQUIRE(client.post("/api/v1/auth/register", credentials).status == 201);
    auto login_result = client.post("/api/v1/auth/login", credentials);
    REQUIRE(login_result.status == 200);
    token_ = "Bearer " + std::string(parse(login_result.body)["access_token"].GetString());
  }

  HttpResult send(const std::string& method, const std::string& target,
                  const std::string& body = {}) const {
    return HttpClient(port_, 40s).request(method, target, body,
                                          {{"Authorization", token_},
                                           {"Content-Type", "application/json"}});
  }
  HttpResult submit(const std::string& req_uid, const std::string& expression) const {
    return send("POST", "/api/v1/calculator/expressions",
                R"({"req_uid":")" + req_uid + R"(","expression":")" + expression + R"("})");
  }
  // Long-polls until the expression is finished (or `patience` passes).
  rapidjson::Document result(const std::string& id, std::chrono::seconds patience = 30s) const {
    auto deadline = std::chrono::steady_clock::now() + patience;
    for (;;) {
      auto answer = send("GET", "/api/v1/calculator/expressions/" + id + "?wait=5");
      REQUIRE_MESSAGE(answer.status == 200, answer.body);
      auto document = parse(answer.body);
      std::string status = document["status"].GetString();
      if (status == "ok" || status == "error" || std::chrono::steady_clock::now() > deadline) {
        return document;
      }
    }
  }

 private:
  std::uint16_t port_;
  std::string token_;
};

std::string id_of(const HttpResult& result) {
  REQUIRE_MESSAGE((result.status == 201 || result.status == 200), result.body);
  return parse(result.body)["id"].GetString();
}

HttpResult as_admin(std::uint16_t port, const std::string& method, const std::string& target,
                    const std::string& body = {}) {
  return HttpClient(port).request(method, target, body,
                                  {{"Authorization", bearer({"admin"})},
                                   {"Content-Type", "application/json"}});
}

}  // namespace

TEST_CASE("calculator all-in-one on SQLite: submit, poll, idempotence, privacy, durations") {
  TempDir dir;
  TestServer server(dir, "all", test_config(), calculator_env());
  auto port = server.port();
  User alice(port, "alice");
  User bob(port, "bobby");

  auto created = alice.submit("seed-1", "2+2*2");
  CHECK(created.status == 201);
  CHECK(created.header("location").starts_with("/api/v1/calculator/expressions/"));
  auto id = id_of(created);
  auto done = alice.result(id);
  CHECK(std::string(done["status"].GetString()) == "ok");
  CHECK(done["result"].GetDouble() == 6);
  CHECK(done["operations_total"].GetInt() == 2);
  CHECK(done["operations_done"].GetInt() == 2);
  CHECK(done["eval_finished_at"].IsString());

  // Its graph, as the console draws it: 2*2 first, then 2+(that).
  auto graph = parse(alice.send("GET", "/api/v1/calculator/expressions/" + id + "/operations").body);
  REQUIRE(graph["items"].Size() == 2);
  CHECK(graph["items"][1]["right"]["operation"].GetInt() == 0);
  CHECK(graph["items"][0]["done"].GetBool());
  CHECK(graph["result"]["operation"].GetInt() == 1);
  CHECK(bob.send("GET", "/api/v1/calculator/expressions/" + id + "/operations").status == 404);
  // The last operation waited for the first; run again alone it could not.
  HttpClient admin(port);
  admin.with_header("Authorization", bearer({"admin"}));
  auto operations = parse(admin.get("/api/v1/tasks?type=calculator.operation").body);
  int flows = 0;
  for (const auto& operation : operations["items"].GetArray()) {
    std::string task_id = operation["id"].GetString();
    auto task = parse(admin.get("/api/v1/tasks/" + task_id).body);
    if (task["depends_on"].Size() == 0) continue;
    ++flows;
    CHECK(admin.post("/api/v1/tasks/" + task_id + "/rerun", "").status == 409);
  }
  CHECK(flows == 1);

  auto again = alice.submit("seed-1", "1+1");
  CHECK(again.status == 200);
  CHECK(id_of(again) == id);
  CHECK(bob.send("GET", "/api/v1/calculator/expressions/" + id).status == 404);
  auto bobs = bob.submit("seed-1", "3*3");
  CHECK(bobs.status == 201);
  CHECK(id_of(bobs) != id);
  auto listed = parse(alice.send("GET", "/api/v1/calculator/expressions?status=ok").body);
  REQUIRE(listed["items"].Size() == 1);
  CHECK(std::string(listed["items"][0]["id"].GetString()) == id);
  CHECK(HttpClient(port).get("/api/v1/calculator/expressions").status == 401);

  auto constant = parse(alice.submit("constant", "42").body);
  CHECK(std::string(constant["status"].GetString()) == "ok");
  CHECK(constant["result"].GetDouble() == 42);

  auto malformed = alice.submit("bad", "2*(3+");
  CHECK(malformed.status == 400);
  CHECK(parse(malformed.body)["position"].GetInt() == 4);
  auto by_zero = alice.result(id_of(alice.submit("zero", "1 + 2/(3-3)")));
  CHECK(std::string(by_zero["status"].GetString()) == "error");
  CHECK(by_zero["error"]["position"].GetInt() == 5);
  CHECK(std::string(by_zero["error"]["message"].GetString()) == "division by zero");

  CHECK(alice.send("PUT", "/api/v1/calculator/durations", R"({"+":10})").status == 403);
  auto out_of_range = as_admin(port, "PUT", "/api/v1/calculator/durations", R"({"*":70000})");
  CHECK(out_of_range.status == 400);
  CHECK(out_of_range.body.find(R"(\"*\")") != std::string::npos);
  CHECK(as_admin(port, "PUT", "/api/v1/calculator/durations", R"({"%":1})").status == 400);
  auto changed = as_admin(port, "PUT", "/api/v1/calculator/durations", R"({"+":400})");
  CHECK(changed.status == 200);
  std::this_thread::sleep_for(600ms);  // workers re-read durations twice a second
  CHECK(parse(alice.send("GET", "/api/v1/calculator/durations").body)["+"].GetInt() == 400);
  auto started = std::chrono::steady_clock::now();
  auto slow = alice.result(id_of(alice.submit("slow", "1+2")));
  CHECK(slow["result"].GetDouble() == 3);
  CHECK(std::chrono::steady_clock::now() - started >= 400ms);

  auto agents = parse(alice.send("GET", "/api/v1/calculator/agents").body)["items"].GetArray();
  REQUIRE(agents.Size() == 1);
  CHECK(agents[0]["alive"].GetBool());
  CHECK(agents[0]["computing_power"].GetInt() == 8);  // the default
}

// Operations wait out their duration without a handler thread: one
// thread computes computing_power of them at once, and no more.
TEST_CASE("calculator: computing_power operations wait at once on one handler thread") {
  for (int power : {8, 2}) {
    CAPTURE(power);
    TempDir dir;
    TestServer server(dir, "all", test_config(),
                      calculator_env({{"ORCHESTRA_WORKER__CONCURRENCY", "1"},
                                      {"ORCHESTRA_PLUGINS__CALCULATOR__COMPUTING_POWER",
                                       std::to_string(power)}}));
    auto port = server.port();
    User alice(port, "alice");
    REQUIRE(as_admin(port, "PUT", "/api/v1/calculator/durations", R"({"+":1500})").status == 200);
    std::this_thread::sleep_for(600ms);  // workers re-read durations twice a second
    auto id = id_of(alice.submit("wide", "1+2+3+4+5+6+7+8"));  // four additions first
    int most = 0;
    for (bool finished = false; !finished;) {
      auto agents = parse(alice.send("GET", "/api/v1/calculator/agents").body)["items"].GetArray();
      REQUIRE(agents.Size() == 1);
      CHECK(agents[0]["computing_power"].GetInt() == power);
      most = std::max(most, agents[0]["operations_running"].GetInt());
      auto state = parse(alice.send("GET", "/api/v1/calculator/expressions/" + id).body);
      finished = std::string(state["status"].GetString()) == "ok";
      std::this_thread::sleep_for(50ms);
    }
    CHECK(most == std::min(power, 4));
    CHECK(alice.result(id)["result"].GetDouble() == 36);
  }
}

TEST_CASE("calculator on Redis: api and two workers, a worker killed mid-operation loses nothing") {
  const char* redis = std::getenv("ORCHESTRA_TEST_REDIS_URL");
  if (redis == nullptr) {
    FAIL_CHECK("ORCHESTRA_TEST_REDIS_URL is not set; run ./scripts/test.sh");
    return;
  }
  TempDir dir;
  TempDir other;
  auto shared_db = "sqlite:///" + (dir.path() / "var/test.db").string();
  auto env = calculator_env({{"ORCHESTRA_QUEUE__BACKEND", "redis"},
                             {"ORCHESTRA_QUEUE__REDIS_URL", redis},
                             {"ORCHESTRA_QUEUE__REDIS_PREFIX",
                              "calc" + std::to_string(std::random_device{}()) + ":"},
                             {"ORCHESTRA_DATABASE__URL", shared_db},
                             {"ORCHESTRA_WORKER__CONCURRENCY", "4"},
                             {"ORCHESTRA_PLUGINS__CALCULATOR__OPERATION_LEASE", "2s"}});
  TestServer api(dir, "api", test_config(), env);
  auto first_env = env;
  first_env["ORCHESTRA_WORKER__NAME"] = "doomed";
  auto second_env = env;
  second_env["ORCHESTRA_WORKER__NAME"] = "survivor";
  auto doomed = std::make_unique<TestServer>(dir, "worker", test_config(), first_env);
  auto port = api.port();
  User alice(port, "alice");

  auto seed = alice.result(id_of(alice.submit("seed", "2+2*2")));
  CHECK(seed["result"].GetDouble() == 6);

  REQUIRE(as_admin(port, "PUT", "/api/v1/calculator/durations", R"({"+":2500})").status == 200);
  std::this_thread::sleep_for(600ms);  // workers re-read durations twice a second
  // Only the doomed worker runs until it is seen holding operations; then
  // the survivor starts and the doomed one is killed.
  auto id = id_of(alice.submit("wide", "1+2+3+4+5+6+7+8"));
  bool holding = false;
  std::string seen;
  for (int i = 0; i < 100 && !holding; ++i) {
    seen = alice.send("GET", "/api/v1/calculator/agents").body;
    auto agents = parse(seen);
    for (const auto& agent : agents["items"].GetArray()) {
      holding = holding || (std::string(agent["name"].GetString()) == "doomed" &&
                            agent["operations_running"].GetInt() > 0);
    }
    if (!holding) std::this_thread::sleep_for(50ms);
  }
  REQUIRE_MESSAGE(holding, "the doomed worker never held an operation: " << seen);
  TestServer survivor(other, "worker", test_config(), second_env);
  doomed->signal(SIGKILL);
  doomed->wait_exit(5s);
  auto result = alice.result(id, 40s);
  CHECK(std::string(result["status"].GetString()) == "ok");
  CHECK(result["result"].GetDouble() == 36);
  CHECK(result["operations_done"].GetInt() == 7);
  auto agents = parse(alice.send("GET", "/api/v1/calculator/agents").body)["items"].GetArray();
  for (const auto& agent : agents) {
    CHECK(agent["alive"].GetBool() == (std::string(agent["name"].GetString()) == "survivor"));
  }
}
