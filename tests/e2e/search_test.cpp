// The search indexer through the real binary: what steam-sync fetches
// and what notifications changes becomes searchable within seconds, and a
// worker killed while the pipeline works leaves an index equal to its
// sources, and a reindex over the API restores what the index lost.

#include "support/auth.hpp"
#include "support/fake_steam.hpp"
#include "support/http_client.hpp"
#include "support/test_server.hpp"
#include "support/wait_until.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <rapidjson/document.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <csignal>
#include <functional>
#include <map>
#include <thread>

using namespace orchestra::testing;
using namespace std::chrono_literals;

namespace {

const std::string kAdmin = bearer({"admin"});

Environment search_env(Environment extra = {}) {
  extra.emplace("ORCHESTRA_PLUGINS__DIR", ORCHESTRA_PLUGIN_DIR);
  extra.emplace("ORCHESTRA_PLUGINS__ENABLED", "[steam-sync, notifications, search-indexer]");
  extra.emplace("ORCHESTRA_PLUGINS__SEARCH_INDEXER__TASK_LEASE", "2s");
  extra.emplace("ORCHESTRA_PLUGINS__SEARCH_INDEXER__BATCH_SIZE", "20");
  extra.emplace("ORCHESTRA_PLUGINS__STEAM_SYNC__SCHEDULES",
                "{pick_stalest: {enabled: false}, refresh_app_list: {enabled: false}}");
  return extra;
}

HttpResult admin(std::uint16_t port, const std::string& method, const std::string& target,
                 const std::string& body = {}) {
  return HttpClient(port).request(method, target, body,
                                  {{"Authorization", kAdmin}, {"Content-Type", "application/json"}});
}

rapidjson::Document json_of(const HttpResult& answer) {
  rapidjson::Document document;
  document.Parse(answer.body.c_str());
  REQUIRE_MESSAGE(document.IsObject(), answer.body);
  return document;
}

std::vector<std::string> found(std::uint16_t port, const std::string& query,
                               const std::string& source) {
  auto answer = HttpClient(port).request(
      "GET", "/api/v1/search?limit=100&source=" + source + "&q=" + query, {},
      {{"Authorization", bearer({})}});
  REQUIRE_MESSAGE(answer.status == 200, answer.body);
  std::vector<std::string> keys;
  for (const auto& hit : json_of(answer)["items"].GetArray()) keys.emplace_back(hit["key"].GetString());
  return keys;
}

std::string wait_for_task(std::uint16_t port, const std::string& created) {
  auto id = std::string(json_of(HttpResult{0, {}, created, false})["task_id"].GetString());
  wait_until(
      [&] {
        return admin(port, "GET", "/api/v1/tasks/" + id).body.find(R"("state":"succeeded")") !=
               std::string::npos;
      },
      30s, "task " + id);
  return id;
}

}  // namespace

TEST_CASE("search: a fetched app and changed teams are searchable within seconds") {
  FakeSteam steam(5);
  TempDir dir;
  auto env = search_env({{"ORCHESTRA_PLUGINS__STEAM_SYNC__API_URL", steam.url()},
                         {"ORCHESTRA_PLUGINS__STEAM_SYNC__STORE_URL", steam.url()},
                         {"ORCHESTRA_PLUGINS__STEAM_SYNC__API_KEY", ""}});
  TestServer all(dir, "all", test_config(), env);
  wait_for_task(all.port(), admin(all.port(), "POST", "/api/v1/steam-sync/tasks/refresh-app-list").body);
  wait_for_task(all.port(),
                admin(all.port(), "POST", "/api/v1/steam-sync/tasks/fetch-app", R"({"app_id":30})")
                    .body);
  auto fetched = std::chrono::steady_clock::now();
  wait_until([&] { return found(all.port(), "dev%2030", "steam-sync.apps") == std::vector<std::string>{"30"}; },
             10s, "app 30 in the index");
  auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - fetched).count();
  MESSAGE("fetched -> searchable: " << seconds << " s");
  CHECK(seconds < 2.0);

  auto team = json_of(admin(all.port(), "POST", "/api/v1/notifications/teams",
                            R"({"name":"Górnik Zabrze","short_name":"GÓR","country":"PL"})"));
  auto id = std::to_string(team["id"].GetInt64());
  wait_until([&] { return found(all.port(), "gornik", "notifications.teams") == std::vector<std::string>{id}; },
             10s, "the team in the index");
  REQUIRE(admin(all.port(), "PATCH", "/api/v1/notifications/teams/" + id, R"({"name":"Ruch Chorzów"})")
              .status == 200);
  wait_until([&] { return found(all.port(), "chorzow", "notifications.teams").size() == 1; }, 10s,
             "the renamed team");
  CHECK(found(all.port(), "gornik", "notifications.teams").empty());
  REQUIRE(admin(all.port(), "DELETE", "/api/v1/notifications/teams/" + id).status == 204);
  wait_until([&] { return found(all.port(), "chorzow", "notifications.teams").empty(); }, 10s,
             "the deleted team to disappear");
  auto bad = HttpClient(all.port()).request("GET", "/api/v1/search?q=-only", {},
                                            {{"Authorization", bearer({})}});
  CHECK(bad.status == 400);
  CHECK(bad.body.find("at least one word") != std::string::npos);
  for (const char* hostile : {"q=%00abc", "q=%FF", "q=ok&genre=%FF", "q=ok&type=,", "q=ok&cursor=x",
                              "q=ok&source=elsewhere", "q=ok&price_max=5", "q=%22open"}) {
    auto answer = HttpClient(all.port()).request("GET", std::string("/api/v1/search?") + hostile,
                                                 {}, {{"Authorization", bearer({})}});
    CHECK_MESSAGE(answer.status == 400, hostile << ": " << answer.body);
    CHECK(answer.header("content-type") == "application/problem+json");
  }
}

TEST_CASE("search: a worker killed while indexing leaves an index equal to its source") {
  TempDir dir;
  auto env = search_env();
  TestServer api(dir, "api", test_config(), env);
  auto worker = std::make_unique<TestServer>(dir, "worker", test_config(), env);
  std::map<std::string, std::string> names;
  auto database = (dir.path() / "var/test.db").string();
  auto indexed = [&] {
    soci::session session(soci::sqlite3, database);
    long long count = 0;
    session << "SELECT COUNT(*) FROM search_documents WHERE source = 'notifications.teams'",
        soci::into(count);
    return count;
  };
  for (int round = 0; round < 2; ++round) {
    for (int i = 0; i < 150; ++i) {
      auto name = fmt::format("Team {} {}", round, i);
      auto team = json_of(admin(api.port(), "POST", "/api/v1/notifications/teams",
                                fmt::format(R"({{"name":"{}","short_name":"T","country":"PL"}})", name)));
      names[std::to_string(team["id"].GetInt64())] = name;
    }
    // Killed as soon as indexing is under way, then replaced.
    auto before = indexed();
    wait_until([&] { return indexed() > before; }, 20s, "indexing to start");
    worker->signal(SIGKILL);
    MESSAGE("round " << round << ": killed with " << indexed() << " of " << names.size() << " indexed");
    worker = std::make_unique<TestServer>(dir, "worker", test_config(), env);
  }
  // One more team, for the replacement worker to load (and count) itself.
  auto last = json_of(admin(api.port(), "POST", "/api/v1/notifications/teams",
                            R"({"name":"Team last","short_name":"T","country":"PL"})"));
  names[std::to_string(last["id"].GetInt64())] = "Team last";
  wait_until([&] { return indexed() == static_cast<long long>(names.size()); }, 30s,
             "every team indexed");
  std::this_thread::sleep_for(2s);  // nothing more arrives
  soci::session session(soci::sqlite3, database);
  soci::rowset<soci::row> rows = (session.prepare << "SELECT key, title FROM search_documents "
                                                     "WHERE source = 'notifications.teams'");
  std::map<std::string, std::string> index;
  for (const auto& row : rows) index[row.get<std::string>(0)] = row.get<std::string>(1);
  CHECK(index == names);
  auto metrics = admin(api.port(), "GET", "/metrics").body;
  CHECK(metrics.find("# TYPE orchestra_search_indexer_stage_documents_total counter") !=
        std::string::npos);
  auto worker_metrics = http_get(worker->port(), "/metrics").body;
  CHECK(worker_metrics.find(
            R"(orchestra_search_indexer_stage_documents_total{stage="load",source="notifications.teams"})") !=
        std::string::npos);
  auto status = json_of(admin(api.port(), "GET", "/api/v1/search-indexer/status"));
  for (const auto& source : status["items"].GetArray()) {
    CHECK(source["lag_changes"].GetInt64() == 0);
    CHECK(source["dead"].GetInt64() == 0);
    CHECK(source["waiting_transform"].GetInt64() == 0);
    CHECK(source["waiting_load"].GetInt64() == 0);
  }
}

TEST_CASE("search: a reindex over the API brings back what the index lost, searches answering throughout") {
  TempDir dir;
  TestServer all(dir, "all", test_config(), search_env());
  std::vector<std::string> ids;
  for (const char* name : {"Wisła Kraków", "Lech Poznań", "Pogoń Szczecin"}) {
    auto team = json_of(admin(all.port(), "POST", "/api/v1/notifications/teams",
                              fmt::format(R"({{"name":"{}","short_name":"T","country":"PL"}})", name)));
    ids.push_back(std::to_string(team["id"].GetInt64()));
  }
  wait_until([&] { return found(all.port(), "szczecin", "notifications.teams").size() == 1; }, 10s,
             "the teams in the index");
  {
    // The index loses a document behind the pipeline's back.
    soci::session session(soci::sqlite3, (dir.path() / "var/test.db").string());
    session << "DELETE FROM search_documents WHERE source = 'notifications.teams' AND key = :key",
        soci::use(ids[1]);
  }
  REQUIRE(found(all.port(), "poznan", "notifications.teams").empty());

  for (const auto& [body, status] : std::vector<std::pair<std::string, int>>{
           {R"({"source":"elsewhere"})", 400}, {R"({})", 400}, {R"({"source":"notifications.teams","x":1})", 400},
           {"[", 400}}) {
    auto answer = admin(all.port(), "POST", "/api/v1/search-indexer/reindex", body);
    CHECK_MESSAGE(answer.status == status, body << ": " << answer.body);
    CHECK(answer.header("content-type") == "application/problem+json");
  }
  CHECK(HttpClient(all.port())
            .request("POST", "/api/v1/search-indexer/reindex", R"({"source":"notifications.teams"})",
                     {{"Authorization", bearer({})}, {"Content-Type", "application/json"}})
            .status == 403);

  auto requested = admin(all.port(), "POST", "/api/v1/search-indexer/reindex",
                         R"({"source":"notifications.teams"})");
  REQUIRE_MESSAGE(requested.status == 202, requested.body);
  CHECK(std::string(json_of(requested)["state"].GetString()) == "building");
  auto reindex_state = [&] {
    auto status = json_of(admin(all.port(), "GET", "/api/v1/search-indexer/status"));
    for (const auto& source : status["items"].GetArray()) {
      if (std::string(source["source"].GetString()) == "notifications.teams" &&
          source["reindex"].IsObject()) {
        return std::string(source["reindex"]["state"].GetString());
      }
    }
    return std::string("none");
  };
  wait_until([&] {
    CHECK(found(all.port(), "krakow", "notifications.teams") == std::vector<std::string>{ids[0]});
    return reindex_state() == "switched";
  }, 20s, "the reindex to switch");
  CHECK(found(all.port(), "poznan", "notifications.teams") == std::vector<std::string>{ids[1]});
  CHECK(found(all.port(), "szczecin", "notifications.teams") == std::vector<std::string>{ids[2]});
}
