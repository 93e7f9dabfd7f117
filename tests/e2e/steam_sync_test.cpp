// The steam-sync plugin through the real binary against the fake Steam of
// the test suite: a full cycle from an empty table under Steam's faults,
// REST validation, three workers sharing leases and the rate limit, a
// worker killed mid-fetch, and hand-queued fetches overtaking scheduled
// ones.

#include "support/auth.hpp"
#include "support/fake_steam.hpp"
#include "support/http_client.hpp"
#include "support/test_server.hpp"

#include <doctest/doctest.h>

#include <fmt/format.h>
#include <rapidjson/document.h>

#include <csignal>
#include <functional>
#include <thread>

using namespace orchestra::testing;
using namespace std::chrono_literals;

namespace {

const std::vector<std::string> kCountries{"US", "GB", "DE"};

// The plugin pointed at `list` for the app list and `store` for details.
Environment steam_env(const FakeSteam& list, const FakeSteam& store, Environment extra = {}) {
  extra.emplace("ORCHESTRA_PLUGINS__DIR", ORCHESTRA_PLUGIN_DIR);
  extra.emplace("ORCHESTRA_PLUGINS__ENABLED", "[steam-sync]");
  extra.emplace("ORCHESTRA_PLUGINS__STEAM_SYNC__API_URL", list.url());
  extra.emplace("ORCHESTRA_PLUGINS__STEAM_SYNC__STORE_URL", store.url());
  extra.emplace("ORCHESTRA_PLUGINS__STEAM_SYNC__API_KEY", "test-key");
  extra.emplace("ORCHESTRA_PLUGINS__STEAM_SYNC__COUNTRIES", "[US, GB, DE]");
  extra.emplace("ORCHESTRA_PLUGINS__STEAM_SYNC__PICK_SIZE", "20");
  extra.emplace("ORCHESTRA_PLUGINS__STEAM_SYNC__BATCH_SIZE", "5");
  extra.emplace("ORCHESTRA_PLUGINS__STEAM_SYNC__PAGE_SIZE", "7");
  extra.emplace("ORCHESTRA_PLUGINS__STEAM_SYNC__REQUESTS",
                "{attempts: 8, backoff: 50ms, max_backoff: 400ms}");
  extra.emplace("ORCHESTRA_PLUGINS__STEAM_SYNC__SCHEDULES",
                "{pick_stalest: {every: 1s}, refresh_app_list: {enabled: false}}");
  return extra;
}

// `requests` per `per` to the store's host:port, shared by every process.
std::string rate_limit_config(const FakeSteam& store, int requests, const std::string& per) {
  return "http_client:\n  timeout: 2s\n  rate_limits:\n    \"127.0.0.1:" +
         std::to_string(store.port()) + "\": {requests: " + std::to_string(requests) +
         ", per: " + per + ", penalty: 1s}\n";
}

rapidjson::Document parse(const std::string& text) {
  rapidjson::Document document;
  document.Parse(text.c_str());
  REQUIRE_MESSAGE(document.IsObject(), text);
  return document;
}

HttpResult admin(std::uint16_t port, const std::string& method, const std::string& target,
                 const std::string& body = {}) {
  return HttpClient(port).request(method, target, body,
                                  {{"Authorization", bearer({"admin"})},
                                   {"Content-Type", "application/json"}});
}

rapidjson::Document get_json(std::uint16_t port, const std::string& target) {
  auto answer = admin(port, "GET", target);
  REQUIRE_MESSAGE(answer.status == 200, target << ": " << answer.body);
  return parse(answer.body);
}

// `server`'s output is shown when the wait times out.
void wait_until(const std::function<bool()>& done, std::chrono::seconds patience,
                const std::string& what, const TestServer* server = nullptr) {
  auto deadline = std::chrono::steady_clock::now() + patience;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) {
      FAIL("timed out waiting for " << what << (server ? "\n" + server->output() : ""));
    }
    std::this_thread::sleep_for(100ms);
  }
}

rapidjson::Document wait_for_task(std::uint16_t port, const std::string& id,
                                  const std::string& state, std::chrono::seconds patience = 30s) {
  rapidjson::Document task;
  wait_until(
      [&] {
        task = get_json(port, "/api/v1/tasks/" + id);
        return state == task["state"].GetString();
      },
      patience, "task " + id + " to be " + state);
  return task;
}

std::string queued(std::uint16_t port, const std::string& route, const std::string& body = {}) {
  auto answer = admin(port, "POST", "/api/v1/steam-sync/tasks/" + route, body);
  REQUIRE_MESSAGE(answer.status == 202, answer.body);
  auto id = std::string(parse(answer.body)["task_id"].GetString());
  CHECK(answer.header("location") == "/api/v1/tasks/" + id);
  return id;
}

std::int64_t stat(std::uint16_t port, const char* name) {
  return get_json(port, "/api/v1/steam-sync/stats")[name].GetInt64();
}

void refresh_app_list(std::uint16_t port, std::int64_t expected_new) {
  auto id = queued(port, "refresh-app-list");
  auto task = wait_for_task(port, id, "succeeded");
  CHECK(task["result"]["new"].GetInt64() == expected_new);
}

bool all_fetched(std::uint16_t port) { return stat(port, "never_fetched") == 0; }

// Apps 10, 20, ... of a FakeSteam of `count` apps.
std::vector<std::int64_t> fake_ids(int count) {
  std::vector<std::int64_t> ids;
  for (int i = 1; i <= count; ++i) ids.push_back(i * 10);
  return ids;
}

}  // namespace

TEST_CASE("steam-sync: from an empty table to every app fetched, through Steam's faults") {
  FakeSteam steam(40);
  steam.set_app({20, "App 20", false, false, false});
  steam.set_app({30, "App 30", true, true, false});
  TempDir dir;
  TestServer all(dir, "all", test_config(rate_limit_config(steam, 1000, "1s")),
                 steam_env(steam, steam));
  // The first store requests meet every fault Steam is known for.
  steam.throttle_next(1, 1);
  steam.throttle_next(1, std::nullopt);
  steam.fail_next(500, 2);
  steam.truncate_next(1);
  steam.delay_next(3s);  // beyond http_client.timeout
  steam.fail_next(503);
  refresh_app_list(all.port(), 40);
  CHECK(steam.list_requests() == 6);  // pages of 7
  CHECK(stat(all.port(), "never_fetched") == 40);
  wait_until([&] { return all_fetched(all.port()); }, 60s, "every app fetched", &all);

  auto app = get_json(all.port(), "/api/v1/steam-sync/apps/10");
  CHECK(std::string(app["fetch_status"].GetString()) == "ok");
  CHECK(std::string(app["type"].GetString()) == "game");
  CHECK(std::string(app["developers"][0].GetString()) == "Dev 10");
  CHECK(app["is_free"].GetBool() == false);
  CHECK(app["platforms"].Size() == 2);
  CHECK(app["data_problems"].Size() == 0);
  for (const auto* country : {"US", "GB", "DE"}) {
    REQUIRE_MESSAGE(app["prices"].HasMember(country), country);
    CHECK(app["prices"][country]["final"].GetInt64() > 0);
  }
  CHECK(std::string(app["prices"]["GB"]["currency"].GetString()) == "GBP");
  CHECK(std::string(app["prices"]["DE"]["currency"].GetString()) == "EUR");
  auto unavailable = get_json(all.port(), "/api/v1/steam-sync/apps/20");
  CHECK(std::string(unavailable["fetch_status"].GetString()) == "unavailable");
  CHECK(std::string(unavailable["last_updated"].GetString()) != "1970-01-01T00:00:00.000Z");
  auto odd = get_json(all.port(), "/api/v1/steam-sync/apps/30");
  CHECK(std::string(odd["fetch_status"].GetString()) == "ok");
  CHECK(odd["data_problems"].Size() >= 4);
  auto free_app = get_json(all.port(), "/api/v1/steam-sync/apps/70");
  CHECK(free_app["is_free"].GetBool());
  CHECK(free_app["prices"].MemberCount() == 0);

  // Fresh apps are not picked again (min_age), so the fetching stops.
  auto requests = steam.store_requests();
  std::this_thread::sleep_for(2500ms);
  CHECK(steam.store_requests() == requests);
  int once = 0;
  for (auto id : fake_ids(40)) once += steam.detail_requests(id) == 1 ? 1 : 0;
  CHECK(once >= 40 - 7);  // only the faulted requests were repeated

  auto page = get_json(all.port(), "/api/v1/steam-sync/apps?limit=15");
  CHECK(page["items"].Size() == 15);
  REQUIRE(page["next_cursor"].IsString());
  auto rest = get_json(all.port(), std::string("/api/v1/steam-sync/apps?limit=100&cursor=") +
                                       page["next_cursor"].GetString());
  CHECK(rest["items"].Size() == 25);
  CHECK(rest["next_cursor"].IsNull());
  auto games = get_json(all.port(), "/api/v1/steam-sync/apps?type=game&limit=1000");
  CHECK(games["items"].Size() == 39);  // not the unavailable one
  auto future = get_json(all.port(), "/api/v1/steam-sync/apps?updated_since=2999-01-01T00:00:00Z");
  CHECK(future["items"].Size() == 0);
  auto stats = get_json(all.port(), "/api/v1/steam-sync/stats");
  CHECK(stats["apps_total"].GetInt64() == 40);
  CHECK(stats["fetched_last_24h"].GetInt64() == 40);
  CHECK(stats["unavailable"].GetInt64() == 1);
  CHECK(stats["leased"].GetInt64() == 0);
  CHECK(stats["request_budget"]["requests"].GetDouble() == 1000);
}

TEST_CASE("steam-sync: REST refuses bad requests clearly and needs the task scope") {
  FakeSteam steam(5);
  TempDir dir;
  auto env = steam_env(steam, steam, {{"ORCHESTRA_PLUGINS__STEAM_SYNC__API_KEY", ""},
                                      {"ORCHESTRA_PLUGINS__STEAM_SYNC__MAX_APP_IDS", "3"}});
  TestServer all(dir, "all", test_config(), env);
  refresh_app_list(all.port(), 5);  // the legacy list: no key configured
  auto post = [&](const std::string& route, const std::string& body) {
    return admin(all.port(), "POST", "/api/v1/steam-sync/tasks/" + route, body);
  };
  struct Case {
    const char* route;
    const char* body;
    int status;
    const char* says;
  };
  const Case cases[] = {
      {"fetch-apps", R"({"app_ids":[]})", 400, "1 to 3"},
      {"fetch-apps", R"({"app_ids":[10,20,30,40]})", 400, "1 to 3"},
      {"fetch-apps", R"({"app_ids":[10],"countries":["XX"]})", 400, "ISO 3166"},
      {"fetch-apps", R"({"app_ids":[10],"countries":["UK"]})", 400, "ISO 3166"},
      {"fetch-apps", R"({"app_ids":[10],"countries":[]})", 400, "countries"},
      {"fetch-apps", R"({"app_ids":["10"]})", 400, "app_ids"},
      {"fetch-apps", R"({"app_ids":[-10]})", 400, "positive"},
      {"fetch-apps", R"({"app_ids":[10],"extra":1})", 400, "extra"},
      {"fetch-apps", R"({"app_ids":[10, 999]})", 404, "999"},
      {"fetch-apps", "{not json", 400, "JSON"},
      {"fetch-app", R"({"country":"US"})", 400, "app_id"},
      {"fetch-app", R"({"app_id":12345})", 404, "12345"},
      {"refresh-app-list", R"({"force":true})", 400, "force"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.body);
    auto answer = post(c.route, c.body);
    CHECK(answer.status == c.status);
    CHECK(answer.header("content-type") == "application/problem+json");
    CHECK(answer.body.find(c.says) != std::string::npos);
  }
  auto lower_case = queued(all.port(), "fetch-app", R"({"app_id":10,"country":"gb"})");
  auto task = wait_for_task(all.port(), lower_case, "succeeded");
  // The scheduled picker (every second here) may be fetching app 10
  // already, and then keeps it: a slower machine saw that.
  CHECK(task["result"]["fetched"].GetInt() + task["result"]["held_elsewhere"].GetInt() == 1);
  rapidjson::Document app;
  wait_until(
      [&] {
        app = get_json(all.port(), "/api/v1/steam-sync/apps/10");
        return app["prices"].IsObject() && app["prices"].HasMember("GB");
      },
      20s, "app 10's GB price");
  CHECK(std::string(app["prices"]["GB"]["currency"].GetString()) == "GBP");

  HttpClient reader(all.port());
  reader.with_header("Authorization", bearer({}));
  CHECK(reader.post("/api/v1/steam-sync/tasks/fetch-app", R"({"app_id":10})").status == 403);
  CHECK(reader.get("/api/v1/steam-sync/apps/10").status == 200);
  CHECK(reader.get("/api/v1/steam-sync/apps/abc").status == 400);
  CHECK(reader.get("/api/v1/steam-sync/apps/999").status == 404);
  CHECK(reader.get("/api/v1/steam-sync/apps?updated_since=yesterday").status == 400);
  CHECK(reader.get("/api/v1/steam-sync/apps?limit=0").status == 400);
  HttpClient orchestrator(all.port());
  orchestrator.with_header("Authorization", bearer({"orchestrator/tasks"}));
  CHECK(orchestrator.post("/api/v1/steam-sync/tasks/fetch-app", R"({"app_id":20})").status == 202);
  CHECK(http_get(all.port(), "/api/v1/steam-sync/stats").status == 401);
}

TEST_CASE("steam-sync: three workers share the leases and stay under the rate limit together") {
  FakeSteam list(60);
  FakeSteam store(60);
  store.limit(12, 2s);  // Steam's own limit: exceeding it shows as 429s
  TempDir dir;
  auto config = test_config(rate_limit_config(store, 12, "2s"));
  auto env = steam_env(list, store, {{"ORCHESTRA_WORKER__CONCURRENCY", "2"}});
  TestServer api(dir, "api", config, env);
  TestServer first(dir, "worker", config, env);
  TestServer second(dir, "worker", config, env);
  TestServer third(dir, "worker", config, env);
  refresh_app_list(api.port(), 60);
  wait_until([&] { return all_fetched(api.port()); }, 90s, "every app fetched");
  CHECK(store.max_store_requests_in(2s) <= 12);
  for (auto id : fake_ids(60)) {
    CAPTURE(id);
    CHECK(store.detail_requests(id) == 1);  // no app fetched twice
  }
  CHECK(get_json(api.port(), "/api/v1/workers")["items"].Size() == 3);
}

TEST_CASE("steam-sync: a worker killed mid-fetch frees its apps after the lease timeout") {
  FakeSteam steam(30);
  TempDir dir;
  auto config = test_config("http_client:\n  timeout: 60s\n");
  // The task's own lease (30 s) outlasts the test: only the apps' lease
  // expiring can free them for the surviving worker's picks.
  auto env = steam_env(steam, steam,
                       {{"ORCHESTRA_PLUGINS__STEAM_SYNC__LEASE_TIMEOUT", "2s"},
                        {"ORCHESTRA_PLUGINS__STEAM_SYNC__PICK_SIZE", "10"},
                        {"ORCHESTRA_WORKER__CONCURRENCY", "1"}});
  TestServer api(dir, "api", config, env);
  auto doomed = std::make_unique<TestServer>(dir, "worker", config, env);
  steam.delay_next(60s);  // the doomed worker's first request hangs
  refresh_app_list(api.port(), 30);
  wait_until([&] { return steam.store_requests() >= 1; }, 20s, "the first store request");
  CHECK(stat(api.port(), "leased") >= 5);
  doomed->signal(SIGKILL);
  doomed->wait_exit(5s);
  doomed.reset();
  TestServer survivor(dir, "worker", config, env);
  wait_until([&] { return all_fetched(api.port()); }, 60s, "every app fetched");
  wait_until([&] { return stat(api.port(), "leased") == 0; }, 10s, "every lease ended");
}

TEST_CASE("steam-sync: hand-queued fetches run before the scheduled backlog") {
  // The list comes from a host of its own without a rate limit: listed in
  // one go, every app goes into the backlog by the first pick after it.
  FakeSteam list(60), steam(60);
  TempDir dir;
  auto config = test_config(rate_limit_config(steam, 10, "1s"));
  // Every app is in the scheduled backlog, app 600 in its last batch.
  auto env = steam_env(list, steam,
                       {{"ORCHESTRA_PLUGINS__STEAM_SYNC__BATCH_SIZE", "2"},
                        {"ORCHESTRA_PLUGINS__STEAM_SYNC__PICK_SIZE", "60"},
                        {"ORCHESTRA_PLUGINS__STEAM_SYNC__MAX_PENDING", "5"},
                        {"ORCHESTRA_PLUGINS__STEAM_SYNC__COUNTRIES", "[US]"},
                        {"ORCHESTRA_WORKER__CONCURRENCY", "1"}});
  TestServer all(dir, "all", config, env);
  refresh_app_list(all.port(), 60);
  auto scheduled_queued = [&] {
    auto stats = get_json(all.port(), "/api/v1/tasks?type=steam-sync.fetch_apps&state=queued");
    return static_cast<int>(stats["items"].Size());
  };
  wait_until([&] { return scheduled_queued() >= 10; }, 20s, "a backlog of scheduled fetches");
  auto hand = queued(all.port(), "fetch-app", R"({"app_id":600})");
  auto done = wait_for_task(all.port(), hand, "succeeded", 20s);
  CHECK(scheduled_queued() >= 5);  // the backlog is still waiting
  CHECK(done["result"]["fetched"].GetInt() == 1);  // taken over from its queued batch
  CHECK(steam.detail_requests(600) == 1);
  wait_until([&] { return all_fetched(all.port()); }, 60s, "the backlog done", &all);
  CHECK(steam.detail_requests(600) == 1);  // the batch skipped it
}

TEST_CASE("steam-sync: an app Steam refuses is marked error and the rest of its batch goes on") {
  FakeSteam steam(12);
  TempDir dir;
  auto env = steam_env(steam, steam, {{"ORCHESTRA_PLUGINS__STEAM_SYNC__COUNTRIES", "[US]"},
                                      {"ORCHESTRA_PLUGINS__STEAM_SYNC__BATCH_SIZE", "20"},
                                      {"ORCHESTRA_WORKER__CONCURRENCY", "1"}});
  TestServer all(dir, "all", test_config(), env);
  steam.fail_next(404);  // the first details request: app 10
  refresh_app_list(all.port(), 12);
  wait_until([&] { return all_fetched(all.port()); }, 30s, "every app fetched", &all);
  auto refused = get_json(all.port(), "/api/v1/steam-sync/apps/10");
  CHECK(std::string(refused["fetch_status"].GetString()) == "error");
  CHECK(std::string(refused["data_problems"][0].GetString()).find("HTTP 404") !=
        std::string::npos);
  for (auto id : fake_ids(12)) {
    if (id == 10) continue;
    CAPTURE(id);
    CHECK(std::string(get_json(all.port(), "/api/v1/steam-sync/apps/" + std::to_string(id))
                          ["fetch_status"].GetString()) == "ok");
    CHECK(steam.detail_requests(id) == 1);
  }
  CHECK(steam.detail_requests(10) == 1);  // a 404 is not retried
  CHECK(stat(all.port(), "leased") == 0);
}

TEST_CASE("steam-sync: waits for the rate limit hold no thread, and a cancelled waiting fetch frees its apps") {
  FakeSteam list(40), store(40);
  TempDir dir;
  // Ten list pages a second, one at once (the list's 6 pages wait for
  // tokens); two store requests a minute, one at once (a fetch of five
  // apps waits a minute after the first).
  auto config = test_config(fmt::format(
      "http_client:\n  timeout: 2s\n  rate_limits:\n"
      "    \"127.0.0.1:{}\": {{requests: 10, per: 1s, penalty: 1s}}\n"
      "    \"127.0.0.1:{}\": {{requests: 2, per: 60s, penalty: 1s}}\n",
      list.port(), store.port()));
  auto env = steam_env(list, store, {{"ORCHESTRA_PLUGINS__ENABLED", "[steam-sync, calculator]"},
                                     {"ORCHESTRA_PLUGINS__STEAM_SYNC__COUNTRIES", "[US]"},
                                     {"ORCHESTRA_PLUGINS__STEAM_SYNC__SCHEDULES",
                                      "{pick_stalest: {enabled: false}}"},
                                     {"ORCHESTRA_WORKER__CONCURRENCY", "1"}});
  TestServer all(dir, "all", config, env);
  auto refresh = queued(all.port(), "refresh-app-list");
  auto listed = wait_for_task(all.port(), refresh, "succeeded");
  CHECK(listed["result"]["listed"].GetInt64() == 40);
  CHECK(listed["result"]["new"].GetInt64() == 40);
  CHECK(listed["attempts"].GetInt() == 1);  // waiting for tokens counts no attempt
  CHECK(list.list_requests() == 6);         // each page once

  auto fetch = queued(all.port(), "fetch-apps", R"({"app_ids":[10,20,30,40,50]})");
  wait_until([&] { return store.store_requests() == 1; }, 20s, "one app fetched", &all);
  // The fetch waits a minute for its second token; the one handler thread
  // is free meanwhile.
  auto created = admin(all.port(), "POST", "/api/v1/calculator/expressions",
                       R"({"req_uid":"while-waiting","expression":"1+2"})");
  REQUIRE_MESSAGE(created.status < 300, created.body);
  auto expression = std::string(parse(created.body)["id"].GetString());
  auto answer = get_json(all.port(), "/api/v1/calculator/expressions/" + expression + "?wait=20");
  CHECK(std::string(answer["status"].GetString()) == "ok");
  CHECK(get_json(all.port(), "/api/v1/tasks/" + fetch)["state"].GetString() ==
        std::string("running"));

  CHECK(admin(all.port(), "POST", "/api/v1/tasks/" + fetch + "/cancel").status == 202);
  wait_for_task(all.port(), fetch, "cancelled", 10s);
  wait_until([&] { return stat(all.port(), "leased") == 0; }, 10s, "the apps freed", &all);
  CHECK(store.store_requests() == 1);
}
