// csv-summer through the real binary: sums from local files, path
// confinement, problems in the file, scopes and ownership.

#include "support/auth.hpp"
#include "support/http_client.hpp"
#include "support/test_server.hpp"

#include <doctest/doctest.h>

#include <rapidjson/document.h>

#include <csignal>
#include <cstdlib>
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
  for (int i = 0; i < 2400; ++i) {
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

  // Each user lists their own tasks, newest first, a page at a time.
  auto second = submit(port, token, R"({"file":"reports/2024.csv"})");
  finished(port, token, second);
  auto first_page = parse(call(port, "GET", "/api/v1/csv-summer/tasks?limit=1", token).body);
  REQUIRE(first_page["items"].Size() == 1);
  CHECK(std::string(first_page["items"][0]["task_id"].GetString()) == second);
  CHECK(first_page["items"][0]["created_at"].IsString());
  REQUIRE(first_page["next_cursor"].IsString());
  auto next_page = parse(call(port, "GET",
                              std::string("/api/v1/csv-summer/tasks?limit=1&cursor=") +
                                  first_page["next_cursor"].GetString(),
                              token)
                             .body);
  REQUIRE(next_page["items"].Size() == 1);
  CHECK(std::string(next_page["items"][0]["task_id"].GetString()) == id);
  CHECK(parse(call(port, "GET", "/api/v1/csv-summer/tasks", bearer({"csv"}, "user-2")).body)["items"]
            .Size() == 0);
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

TEST_CASE("a bad cell fails the task naming row, column and cell, skip sums the rest") {
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

namespace {

std::optional<std::string> s3_endpoint() {
  const char* value = std::getenv("ORCHESTRA_TEST_S3_ENDPOINT");
  if (value == nullptr || *value == '\0') {
    FAIL_CHECK("ORCHESTRA_TEST_S3_ENDPOINT is not set; run ./scripts/test.sh");
    return std::nullopt;
  }
  return std::string(value);
}

void put_s3(const std::string& endpoint, const TempDir& dir, const std::string& key,
            const std::string& content) {
  auto file = dir.write("upload-" + std::to_string(std::hash<std::string>{}(key)), content);
  auto command = "curl -sf -X PUT --aws-sigv4 aws:amz:us-east-1:s3 --user S3RVER:S3RVER "
                 "-H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' -T '" + file.string() + "' '" +
                 endpoint + "/orchestra-test/" + key + "' >/dev/null";
  REQUIRE_MESSAGE(std::system(command.c_str()) == 0, command);
}

Environment s3_env(const TempDir& dir, const std::string& endpoint) {
  auto env = csv_env(dir);
  env["ORCHESTRA_BLOBS__S3__ENDPOINT"] = endpoint;
  env["ORCHESTRA_BLOBS__S3__PATH_STYLE"] = "true";
  env["ORCHESTRA_BLOBS__S3__ALLOWED"] = "[orchestra-test/e2e/]";
  env["AWS_ACCESS_KEY_ID"] = "S3RVER";
  env["AWS_SECRET_ACCESS_KEY"] = "S3RVER";
  return env;
}

// `rows` rows of 20 columns: column 10 holds 0.5, column 20 the row number.
std::string numbered(int rows) {
  std::string text;
  for (int c = 1; c <= 20; ++c) text += (c > 1 ? "," : "") + ("c" + std::to_string(c));
  text += "\n";
  for (int row = 1; row <= rows; ++row) {
    for (int c = 1; c <= 20; ++c) {
      text += c > 1 ? "," : "";
      text += c == 10 ? "0.5" : c == 20 ? std::to_string(row) : "7";
    }
    text += "\n";
  }
  return text;
}

}  // namespace

TEST_CASE("csv-summer reads s3:// files, many tasks from one client run at once") {
  auto endpoint = s3_endpoint();
  if (!endpoint) return;
  TempDir dir;
  put_s3(*endpoint, dir, "e2e/numbers.csv", numbered(2000));
  dir.write("data/local.csv", numbered(100));
  TestServer server(dir, "all", test_config(), s3_env(dir, *endpoint));
  auto port = server.port();
  auto token = bearer({"csv"});
  std::vector<std::string> ids;
  for (int i = 0; i < 12; ++i) {
    ids.push_back(submit(port, token, i % 2 == 0 ? R"({"file":"s3://orchestra-test/e2e/numbers.csv"})"
                                                 : R"({"file":"local.csv"})"));
  }
  for (int i = 0; i < 12; ++i) {
    auto done = finished(port, token, ids[i]);
    std::string error = done["error"].IsString() ? done["error"].GetString() : "";
    REQUIRE_MESSAGE(std::string(done["state"].GetString()) == "succeeded", error);
    int rows = i % 2 == 0 ? 2000 : 100;
    CHECK(done["result"]["rows"].GetInt() == rows);
    CHECK(done["result"]["columns"][0]["sum"].GetDouble() == rows * 0.5);
    CHECK(done["result"]["columns"][1]["sum"].GetDouble() == rows * (rows + 1) / 2.0);
  }
  CHECK(call(port, "POST", "/api/v1/csv-summer/tasks", token,
             R"({"file":"s3://orchestra-test/e2e/missing.csv"})").status == 404);
}

TEST_CASE("a worker killed mid-task: the task completes elsewhere with the right sums") {
  auto endpoint = s3_endpoint();
  if (!endpoint) return;
  TempDir dir;
  TempDir other;
  // Large enough that the task is still running when the first progress
  // report (after 250 ms) lands, however fast the parser is.
  constexpr int kRows = 1'000'000;
  put_s3(*endpoint, dir, "e2e/big.csv", numbered(kRows));
  auto env = s3_env(dir, *endpoint);
  env["ORCHESTRA_DATABASE__URL"] = "sqlite:///" + (dir.path() / "var/test.db").string();
  env["ORCHESTRA_PLUGINS__CSV_SUMMER__TASK_LEASE"] = "2s";
  env["ORCHESTRA_PLUGINS__CSV_SUMMER__THREADS_PER_TASK"] = "1";
  // Read slowly (small ranges from a JavaScript server) so the kill lands mid-task.
  env["ORCHESTRA_BLOBS__S3__RANGE_BYTES"] = "65536";
  TestServer api(dir, "api", test_config(), env);
  auto doomed = std::make_unique<TestServer>(dir, "worker", test_config(), env);
  auto port = api.port();
  auto token = bearer({"csv"});
  auto id = submit(port, token, R"({"file":"s3://orchestra-test/e2e/big.csv"})");
  bool running = false;
  for (int i = 0; i < 200 && !running; ++i) {
    auto status = parse(call(port, "GET", "/api/v1/csv-summer/tasks/" + id, token).body);
    running = std::string(status["state"].GetString()) == "running" &&
              status["progress"]["fraction"].GetDouble() > 0;
    if (!running) std::this_thread::sleep_for(20ms);
  }
  REQUIRE_MESSAGE(running, "the task never showed progress on the doomed worker");
  doomed->signal(SIGKILL);
  doomed->wait_exit(5s);
  TestServer survivor(other, "worker", test_config(), env);
  auto done = finished(port, token, id);
  REQUIRE(std::string(done["state"].GetString()) == "succeeded");
  CHECK(done["attempts"].GetInt() == 2);
  CHECK(done["result"]["rows"].GetInt() == kRows);
  CHECK(done["result"]["columns"][0]["sum"].GetDouble() == kRows * 0.5);
  CHECK(done["result"]["columns"][1]["sum"].GetDouble() == kRows * (kRows + 1.0) / 2);
}

TEST_CASE("a large file is split into chunk tasks that two workers share, exactly") {
  TempDir dir;
  TempDir other;
  // Quoted newlines and quotes everywhere, so split points land inside them.
  std::string text = "id,note,c3,c4,c5,c6,c7,c8,c9,amount\n";
  double expected = 0;
  for (int row = 1; row <= 20'000; ++row) {
    text += std::to_string(row) + ",\"line one\nline \"\"two\"\", and three\",3,4,5,6,7,8,9," +
            (row % 7 == 0 ? "\"0.25\"" : "1.5") + "\n";
    expected += row % 7 == 0 ? 0.25 : 1.5;
  }
  dir.write("data/quoted.csv", text);
  dir.write("data/late-error.csv", text + "20001,x,3,4,5,6,7,8,9,oops\n");
  std::string plain = "id,c2,c3,c4,c5,c6,c7,c8,c9,amount\n";
  for (int row = 1; row <= 20'000; ++row) {
    plain += std::to_string(row) + ",\"a, b\",3,4,5,6,7,8,9," + std::to_string(row) + ".5\n";
  }
  dir.write("data/plain.csv", plain);
  // A quote that never closes: no chunk finds a complete row after it.
  std::string unclosed_text = "id,\"c2,c3,c4,c5,c6,c7,c8,c9,amount\n";
  for (int row = 1; row <= 20'000; ++row) unclosed_text += std::to_string(row) + ",2,3,4,5,6,7,8,9,1\n";
  dir.write("data/unclosed.csv", unclosed_text);
  auto env = csv_env(dir);
  env["ORCHESTRA_DATABASE__URL"] = "sqlite:///" + (dir.path() / "var/test.db").string();
  env["ORCHESTRA_BLOBS__LOCAL__ROOTS"] = "[" + (dir.path() / "data").string() + "]";
  env["ORCHESTRA_PLUGINS__CSV_SUMMER__CHUNK_BYTES"] = "65536";
  TestServer all(dir, "all", test_config(), env);
  TestServer worker(other, "worker", test_config(), env);
  auto port = all.port();
  auto token = bearer({"csv"});
  auto done = finished(port, token, submit(port, token, R"({"file":"quoted.csv"})"));
  std::string error = done["error"].IsString() ? done["error"].GetString() : "";
  REQUIRE_MESSAGE(std::string(done["state"].GetString()) == "succeeded", error);
  CHECK(done["result"]["rows"].GetInt() == 20'000);
  CHECK(done["result"]["columns"][0]["sum"].GetDouble() == expected);
  CHECK(std::string(done["result"]["columns"][0]["name"].GetString()) == "amount");
  auto stats = parse(admin_get(port, "/api/v1/tasks/stats").body);
  CHECK(stats["by_type"]["csv-summer.chunk"]["succeeded"].GetInt() > 10);
  auto summed_again = [&](const std::string& file) {
    auto line = file + ": a chunk began inside quotes; summing the file again";
    return all.output().find(line) != std::string::npos ||
           worker.output().find(line) != std::string::npos;
  };
  CHECK(summed_again("quoted.csv"));  // quoted newlines right after split points

  // Without quoted newlines every chunk's guess holds: one pass, merged.
  auto merged = finished(port, token, submit(port, token, R"({"file":"plain.csv"})"));
  REQUIRE(std::string(merged["state"].GetString()) == "succeeded");
  CHECK(merged["result"]["rows"].GetInt() == 20'000);
  CHECK(merged["result"]["columns"][0]["sum"].GetDouble() == 200020000);
  CHECK_FALSE(summed_again("plain.csv"));

  auto unclosed = finished(port, token, submit(port, token, R"({"file":"unclosed.csv"})"));
  CHECK(std::string(unclosed["state"].GetString()) == "dead");
  std::string unclosed_error = unclosed["error"].IsString() ? unclosed["error"].GetString() : "";
  CHECK_MESSAGE(unclosed_error.find("never closed") != std::string::npos, unclosed_error);

  auto failed = finished(port, token, submit(port, token, R"({"file":"late-error.csv"})"));
  CHECK(std::string(failed["state"].GetString()) == "dead");
  std::string message = failed["error"].GetString();
  CHECK_MESSAGE(message.find("row 20001, column 10: 'oops'") != std::string::npos, message);
}
