// Configuration: every kind of mistake is reported with its YAML path and
// line (or the environment variable it came from), all at once.

#include "config/core_config.hpp"
#include "config/loader.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <thread>

using orchestra::config::ConfigError;
using orchestra::config::ConfigTree;
using orchestra::config::read_core_config;

namespace {

using Environment = std::map<std::string, std::string>;

// Reads the core config like the host does and returns every problem.
std::vector<std::string> problems_of(const std::string& yaml, const Environment& env = {}) {
  auto tree = ConfigTree::load_string(yaml, "test.yaml", env);
  auto root = tree.root();
  read_core_config(root);
  std::vector<std::string> lines;
  try {
    tree.finish();
  } catch (const ConfigError& error) {
    for (const auto& problem : error.problems()) lines.push_back(problem.to_string());
  }
  return lines;
}

bool has(const std::vector<std::string>& lines, const std::string& expected) {
  for (const auto& line : lines) {
    if (line == expected) return true;
  }
  std::string all;
  for (const auto& line : lines) all += line + "\n";
  MESSAGE("problems were:\n" << all);
  return false;
}

const std::string kMinimal = "database:\n  url: sqlite:///x.db\n";

}  // namespace

TEST_CASE("a minimal configuration gets the documented defaults") {
  auto tree = ConfigTree::load_string(kMinimal, "test.yaml", {});
  auto config = read_core_config(tree.root());
  tree.finish();
  CHECK(config.server.listen.host == "127.0.0.1");
  CHECK(config.server.listen.port == 8080);
  CHECK(config.server.threads ==
        static_cast<int>(std::max(2u, std::thread::hardware_concurrency()) / 2));
  CHECK(config.server.max_body_bytes == 1 << 20);
  CHECK(config.server.shutdown_grace == std::chrono::seconds(30));
  CHECK(config.queue.backend == "sql");
  CHECK(config.worker.queues == std::map<std::string, int>{{"default", 1}});
  CHECK(config.worker.listen.port == 8081);
  CHECK(config.log.format == "text");
  CHECK(config.plugins.enabled.empty());
}

TEST_CASE("unknown keys are reported with line and a suggestion") {
  auto lines = problems_of(kMinimal + "server:\n  thread: 4\nloggin: {}\n");
  CHECK(lines.size() == 2);
  CHECK(has(lines, "test.yaml:4:3: server.thread: unknown key (did you mean 'threads'?)"));
  CHECK(has(lines, "test.yaml:5:1: loggin: unknown key"));
}

TEST_CASE("wrong types name the expected type and the value") {
  auto lines = problems_of(kMinimal +
                           "server:\n"
                           "  threads: two\n"
                           "  shutdown_grace: 30\n"
                           "log:\n"
                           "  access: maybe\n"
                           "blobs:\n"
                           "  file_roots: /tmp\n"
                           "worker: [1, 2]\n");
  CHECK(has(lines, "test.yaml:4:12: server.threads: expected an integer, got \"two\""));
  CHECK(has(lines,
            "test.yaml:5:19: server.shutdown_grace: expected a duration such as 250ms, 30s, 5m "
            "or 1h, got \"30\""));
  CHECK(has(lines, "test.yaml:7:11: log.access: expected true or false, got \"maybe\""));
  CHECK(has(lines, "test.yaml:9:15: blobs.file_roots: expected a list of strings, got \"/tmp\""));
  CHECK(has(lines, "test.yaml:10:9: worker: expected a map, got a list"));
}

TEST_CASE("the redis backend needs a redis URL") {
  auto lines = problems_of(kMinimal + "queue:\n  backend: redis\n");
  CHECK(has(lines, "test.yaml:4:3: queue.redis_url: required when queue.backend is redis"));
  auto wrong = problems_of(kMinimal + "queue:\n  backend: redis\n  redis_url: http://x\n");
  CHECK(has(wrong, "test.yaml:5:14: queue.redis_url: expected a redis://host:port/db URL"));
}

TEST_CASE("missing required keys, ranges, choices and addresses") {
  auto lines = problems_of(
      "server:\n  listen: localhost\n  threads: 0\nqueue:\n  backend: kafka\nlog:\n  format: xml\n");
  CHECK(has(lines, "test.yaml: database.url: required key is missing"));
  CHECK(has(lines, "test.yaml:2:11: server.listen: expected host:port, got \"localhost\""));
  CHECK(has(lines, "test.yaml:3:12: server.threads: must be between 1 and 1024, got 0"));
  CHECK(has(lines, "test.yaml:5:12: queue.backend: must be one of sql, redis, got \"kafka\""));
  CHECK(has(lines, "test.yaml:7:11: log.format: must be one of text, json, got \"xml\""));
}

TEST_CASE("database URLs and time zones are checked") {
  auto lines = problems_of("database:\n  url: mysql://x\nworker:\n  time_zone: Mars/Olympus\n");
  CHECK(has(lines, "test.yaml:2:8: database.url: expected a sqlite:///path or postgresql:// URL"));
  CHECK(has(lines,
            "test.yaml:4:14: worker.time_zone: unknown time zone 'Mars/Olympus' (expected an IANA "
            "name such as Europe/Berlin)"));
}

TEST_CASE("invalid YAML and a document that is not a map are one problem each") {
  auto broken = problems_of("server:\n  listen: [1, 2\n");
  REQUIRE(broken.size() >= 1);
  CHECK(broken.front().find("invalid YAML at line") != std::string::npos);
  auto scalar = problems_of("just text");
  CHECK(has(scalar, "test.yaml:1:1: (document): the configuration must be a map of sections"));
}

TEST_CASE("a missing file is a clear error") {
  CHECK_THROWS_WITH_AS(ConfigTree::load_file("/nonexistent/orchestra.yaml", {}),
                       "/nonexistent/orchestra.yaml: (file): cannot open the configuration file",
                       ConfigError);
}

TEST_CASE("environment variables override keys and are named in problems") {
  Environment env{{"ORCHESTRA_DATABASE__URL", "postgresql://db/x"},
                  {"ORCHESTRA_PLUGINS__ENABLED", "[a, b]"},
                  {"ORCHESTRA_TEST_POSTGRES_URL", "ignored: no double underscore"}};
  auto tree = ConfigTree::load_string(kMinimal, "test.yaml", env);
  auto config = read_core_config(tree.root());
  tree.root().section("plugins").allow("a");
  CHECK(config.database.url == "postgresql://db/x");
  CHECK(config.plugins.enabled == std::vector<std::string>{"a", "b"});
  CHECK_NOTHROW(tree.finish());

  auto lines = problems_of(kMinimal, {{"ORCHESTRA_SERVER__THREADS", "abc"}});
  CHECK(has(lines, "$ORCHESTRA_SERVER__THREADS: server.threads: expected an integer, got \"abc\""));
}

TEST_CASE("override values are scalars unless written as flow lists or maps") {
  Environment env{{"ORCHESTRA_QUEUE__REDIS_PREFIX", "app:"},
                  {"ORCHESTRA_LOG__LEVEL", "debug # not a comment"},
                  {"ORCHESTRA_WORKER__QUEUES", "{default: 2, low: 1}"}};
  auto tree = ConfigTree::load_string(kMinimal, "test.yaml", env);
  auto config = read_core_config(tree.root());
  CHECK(config.queue.redis_prefix == "app:");
  CHECK(config.worker.queues == std::map<std::string, int>{{"default", 2}, {"low", 1}});
  CHECK(tree.problems().size() == 1);  // the log level is not a known choice
}

TEST_CASE("an override with underscores reaches a hyphenated plugin section") {
  Environment env{{"ORCHESTRA_PLUGINS__STEAM_SYNC__API_KEY", "secret"}};
  for (const auto& yaml :
       {kMinimal + "plugins:\n  steam-sync:\n    api_key: old\n", kMinimal}) {
    auto tree = ConfigTree::load_string(yaml, "test.yaml", env);
    auto section = tree.root().section("plugins").section("steam-sync");
    CHECK(section.get<std::string>("api_key", "") == "secret");
  }
}

TEST_CASE("the shipped configuration files are valid") {
  for (const auto* name : {"orchestra.yaml", "scale-out.yaml"}) {
    auto tree = ConfigTree::load_file(std::string(ORCHESTRA_SOURCE_DIR "/config/") + name, {});
    auto config = read_core_config(tree.root());
    CHECK_NOTHROW(tree.finish());
    if (std::string(name) == "scale-out.yaml") {
      CHECK(config.queue.backend == "redis");
      CHECK(config.database.url.starts_with("postgresql://"));
    } else {
      CHECK(config.database.url == "sqlite:///var/orchestra.db");
    }
  }
}
