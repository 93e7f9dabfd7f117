// csv-summer through the real binary: sums from local files, path
// confinement, problems in the file, scopes and ownership.

#include "support/auth.hpp"
#include "support/http_client.hpp"
#include "support/test_server.hpp"

#include <doctest/doctest.h>

#include <rapidjson/document.h>

#include <filesystem>
#include <thread>

using namespace orchestra::testing;
using namespace std::chrono_literals;

namespace {

Environment csv_env(const TempDir& dir) {
  return {{"ORCHESTRA_PLUGINS__DIR", ORCHESTRA_PLUGIN_DIR},
          {"ORCHESTRA_PLUGINS__ENABLED", "[csv-summer]"},
          {"ORCHESTRA_BLOBS__LOCAL__ROOTS", "[" + (dir.path() / "data").string() + "]"}};
}

rapidjson::Document parse(const std::string& text) {
  rapidjson::Document document;
  document.Parse(text.c_str());
  REQUIRE_MESSAGE(document.IsObject(), text);
  return document;
}

HttpResult call(std::uint16_t port, const std::string& method, const std::string& target,
                const std::string& token, const std::string& body = {}) {
  return HttpClient(port).request(method, target, body,
                                  {{"Authorization", token}, {"Content-Type", "application/json"}});
}

rapidjson::Document finished(std::uint16_t port, const std::string& token, const std::string& id) {
  for (int i = 0; i < 400; ++i) {
    auto document = parse(call(port, "GET", "/api/v1/csv-summer/tasks/" + id, token).body);
    std::string state = document["state"].GetString();
    if (state == "succeeded" || state == "dead" || state == "cancelled") return document;
    std::this_thread::sleep_for(25ms);
  }
  FAIL("task " << id << " never finished");
  return {};
}

std::string submit(std::uint16_t port, const std::string& token, const std::string& body) {
  auto result = call(port, "POST", "/api/v1/csv-summer/tasks", token, body);
  REQUIRE_MESSAGE(result.status == 202, result.body);
  CHECK(result.header("location").starts_with("/api/v1/csv-summer/tasks/"));
  return parse(result.body)["task_id"].GetString();
}

}  // namespace

TEST_CASE("csv-summer sums every 10th column of a local file exactly") {
  TempDir dir;
  std::string csv = "\xEF\xBB\xBF";
  for (int c = 1; c <= 25; ++c) csv += (c > 1 ? "," : "") + ("col" + std::to_string(c));
  csv += "\r\n";
  for (int row = 0; row < 1000; ++row) {
    for (int c = 1; c <= 25; ++c) {
      csv += c > 1 ? "," : "";
      csv += c == 10 ? "0.1" : c == 20 ? "\"2\"" : std::to_string(row);
    }
    csv += "\r\n";
  }
  dir.write("data/reports/2024.csv", csv);
  TestServer server(dir, "all", test_config(), csv_env(dir));
  auto port = server.port();
  auto token = bearer({"csv"}, "user-1");
  auto id = submit(port, token, R"({"file":"reports/2024.csv"})");
  auto done = finished(port, token, id);
  REQUIRE_MESSAGE(std::string(done["state"].GetString()) == "succeeded", done["error"].GetString());
  const auto& result = done["result"];
  CHECK(result["rows"].GetInt() == 1000);
  CHECK(result["bytes"].GetUint64() == csv.size());
  REQUIRE(result["columns"].Size() == 2);
  CHECK(result["columns"][0]["index"].GetInt() == 10);
  CHECK(std::string(result["columns"][0]["name"].GetString()) == "col10");
  CHECK(result["columns"][0]["sum"].GetDouble() == 100);  // 0.1 x 1000, exactly
  CHECK(result["columns"][1]["sum"].GetDouble() == 2000);
  CHECK(std::string(done["file"].GetString()) == "reports/2024.csv");

  auto counts = parse(call(port, "GET", "/api/v1/csv-summer/tasks/in-progress", token).body);
  CHECK(counts["queued"].GetInt() == 0);
  CHECK(counts["running"].GetInt() == 0);
  CHECK(call(port, "GET", "/api/v1/csv-summer/tasks/" + id, bearer({"csv"}, "user-2")).status ==
        404);
  CHECK(call(port, "GET", "/api/v1/csv-summer/tasks/in-progress", bearer({}, "user-1")).status ==
        403);
}

TEST_CASE("csv-summer refuses names outside the roots before creating a task") {
  TempDir dir;
  dir.write("data/ok.csv", "a\n1\n");
  dir.write("secret.csv", "a\n1\n");
  std::filesystem::create_symlink(dir.path() / "secret.csv", dir.path() / "data" / "link.csv");
  TestServer server(dir, "all", test_config(), csv_env(dir));
  auto port = server.port();
  auto token = bearer({"csv"});
  auto post = [&](const std::string& body) {
    return call(port, "POST", "/api/v1/csv-summer/tasks", token, body);
  };
  CHECK(post(R"({"file":"../secret.csv"})").status == 400);
  CHECK(post(R"({"file":"sub/../../secret.csv"})").status == 400);
  CHECK(post(R"({"file":"/etc/passwd"})").status == 400);
  CHECK(post(R"({"file":"link.csv"})").status == 400);
  CHECK(post(R"({"file":"missing.csv"})").status == 404);
  CHECK(post(R"({"file":"ok.csv","every":0})").status == 400);
  CHECK(post(R"({"file":"ok.csv","delimiter":"ab"})").status == 400);
  CHECK(post(R"({"file":"ok.csv","on_invalid":"ignore"})").status == 400);
  CHECK(post(R"({"file":"ok.csv","evry":2})").status == 400);
  auto all = parse(admin_get(port, "/api/v1/tasks/stats").body);
  CHECK_FALSE(all["by_type"].HasMember("csv-summer.sum"));
}

TEST_CASE("a bad cell fails the task naming row, column and cell; skip sums the rest") {
  TempDir dir;
  dir.write("data/bad.csv", "a,b\n1,2\n3,oops\n5,6\n7\n");
  TestServer server(dir, "all", test_config(), csv_env(dir));
  auto port = server.port();
  auto token = bearer({"csv"});
  auto failed = finished(port, token, submit(port, token, R"({"file":"bad.csv","every":2})"));
  CHECK(std::string(failed["state"].GetString()) == "dead");
  std::string error = failed["error"].GetString();
  CHECK_MESSAGE(error.find("row 2, column 2: 'oops' is not a number") != std::string::npos, error);
  auto skipped = finished(
      port, token, submit(port, token, R"({"file":"bad.csv","every":2,"on_invalid":"skip"})"));
  REQUIRE(std::string(skipped["state"].GetString()) == "succeeded");
  CHECK(skipped["result"]["columns"][0]["sum"].GetDouble() == 8);
  CHECK(skipped["result"]["skipped_cells"].GetInt() == 1);
  CHECK(skipped["result"]["skipped_rows"].GetInt() == 1);
}
