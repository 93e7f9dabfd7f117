// Configuration loading: every kind of mistake is reported as
// "location: yaml.path: message", where the location is the file line and
// column (or the environment variable the value came from), and every
// mistake of one run is reported at once.

#include "config/core_config.hpp"
#include "config/loader.hpp"

#include <doctest/doctest.h>

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>

using orchestra::config::ConfigError;
using orchestra::config::ConfigTree;
using orchestra::config::CoreConfig;
using orchestra::config::read_core_config;
using namespace std::chrono_literals;

namespace {

using Environment = std::map<std::string, std::string>;

// Two lines, so the first line of anything appended is line 3.
const std::string kMinimal = "database:\n  url: sqlite:///x.db\n";

// Reads the core config as the host does; every problem as text.
std::vector<std::string> problems_of(const std::string& yaml, const Environment& env = {}) {
  auto tree = ConfigTree::load_string(yaml, "test.yaml", env);
  read_core_config(tree.root());
  std::vector<std::string> lines;
  try {
    tree.finish();
  } catch (const ConfigError& error) {
    for (const auto& problem : error.problems()) lines.push_back(problem.to_string());
  }
  return lines;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string text;
  for (const auto& line : lines) text += "  " + line + "\n";
  return text.empty() ? "  (none)\n" : text;
}

bool has(const std::vector<std::string>& lines, const std::string& expected) {
  return std::find(lines.begin(), lines.end(), expected) != lines.end();
}

// `yaml` has exactly one problem, and it reads `expected`.
void check_single_problem(const std::string& yaml, const std::string& expected,
                          const Environment& env = {}) {
  auto lines = problems_of(yaml, env);
  CAPTURE(yaml);
  CHECK_MESSAGE(lines == std::vector<std::string>{expected},
                "expected only:\n  " << expected << "\nproblems were:\n" << joined(lines));
}

void check_no_problem(const std::string& yaml) {
  auto lines = problems_of(yaml);
  CAPTURE(yaml);
  CHECK_MESSAGE(lines.empty(), "problems were:\n" << joined(lines));
}

}  // namespace

TEST_CASE("a configuration with only database.url gets the documented defaults") {
  auto tree = ConfigTree::load_string(kMinimal, "test.yaml", {});
  auto config = read_core_config(tree.root());
  CHECK_NOTHROW(tree.finish());

  CHECK(config.server.listen.host == "127.0.0.1");
  CHECK(config.server.listen.port == 8080);
  CHECK(config.server.threads ==
        static_cast<int>(std::max(2u, std::thread::hardware_concurrency()) / 2));
  CHECK(config.server.handler_threads == 8);
  CHECK(config.server.max_body_bytes == 1u << 20);
  CHECK(config.server.max_header_bytes == 16u << 10);
  CHECK(config.server.max_connections == 10000);
  CHECK(config.server.header_timeout == 10s);
  CHECK(config.server.body_timeout == 30s);
  CHECK(config.server.idle_timeout == 60s);
  CHECK(config.server.shutdown_grace == 30s);

  CHECK(config.database.url == "sqlite:///x.db");
  CHECK(config.database.pool_size == 8);
  CHECK(config.database.busy_timeout == 5s);
  CHECK(config.database.migrations_dir.empty());

  CHECK(config.queue.backend == "sql");
  CHECK(config.queue.redis_url.empty());
  CHECK(config.queue.redis_prefix == "orchestra:");

  CHECK(config.worker.name.empty());
  CHECK(config.worker.concurrency == 0);
  CHECK(config.worker.queues.empty());  // the task types' own queues
  CHECK(config.worker.max_waiting == 10'000);
  CHECK(config.worker.listen.host == "127.0.0.1");
  CHECK(config.worker.listen.port == 8081);
  CHECK(config.worker.poll_interval == 100ms);
  CHECK(config.worker.reclaim_interval == 1s);
  CHECK(config.worker.retention == std::chrono::hours(7 * 24));
  CHECK(config.worker.schedule_catch_up == 1);
  CHECK(config.worker.time_zone == "UTC");

  CHECK(config.log.level == "info");
  CHECK(config.log.format == "text");
  CHECK(config.log.access);
  CHECK(config.blobs.file_roots.empty());
  CHECK(config.plugins.dir.empty());
  CHECK(config.plugins.enabled.empty());
}

TEST_CASE("values written in the file are read with their types") {
  auto tree = ConfigTree::load_string(kMinimal +
                                          "server:\n"
                                          "  listen: '[::1]:0'\n"
                                          "  threads: 3\n"
                                          "  idle_timeout: 250ms\n"
                                          "worker:\n"
                                          "  queues: {default: 3, low: 1}\n"
                                          "  retention: 2d\n"
                                          "log:\n"
                                          "  access: false\n"
                                          "blobs:\n"
                                          "  local:\n    roots: [/a, b]\n",
                                      "test.yaml", {});
  auto config = read_core_config(tree.root());
  CHECK_NOTHROW(tree.finish());
  CHECK(config.server.listen.host == "::1");
  CHECK(config.server.listen.port == 0);
  CHECK(config.server.threads == 3);
  CHECK(config.server.idle_timeout == 250ms);
  CHECK(config.worker.queues == std::map<std::string, int>{{"default", 3}, {"low", 1}});
  CHECK(config.worker.retention == 48h);
  CHECK_FALSE(config.log.access);
  CHECK(config.blobs.file_roots == std::vector<std::string>{"/a", "b"});
}

TEST_CASE("an unknown key is reported with its path and line, and a suggestion when close") {
  check_single_problem(kMinimal + "server:\n  thread: 4\n",
                       "test.yaml:4:3: server.thread: unknown key (did you mean 'threads'?)");
  check_single_problem(kMinimal + "worker:\n  queue: {default: 1}\n",
                       "test.yaml:4:3: worker.queue: unknown key (did you mean 'queues'?)");
  check_single_problem(kMinimal + "databse: {}\n",
                       "test.yaml:3:1: databse: unknown key (did you mean 'database'?)");
  // Nothing known is close: no suggestion.
  check_single_problem(kMinimal + "server:\n  colour: blue\n",
                       "test.yaml:4:3: server.colour: unknown key");
  check_no_problem(kMinimal + "server:\n  threads: 4\n");
}

TEST_CASE("a value of the wrong type names the expected type and what was found") {
  struct Case {
    std::string yaml;
    std::string expected;
  };
  const std::vector<Case> cases{
      {"server:\n  threads: two\n",
       "test.yaml:4:12: server.threads: expected an integer, got \"two\""},
      {"server:\n  threads: 2.5\n",
       "test.yaml:4:12: server.threads: expected an integer, got \"2.5\""},
      {"log:\n  access: maybe\n",
       "test.yaml:4:11: log.access: expected true or false, got \"maybe\""},
      {"server:\n  shutdown_grace: 30\n",
       "test.yaml:4:19: server.shutdown_grace: expected a duration such as 250ms, 30s, 5m or "
       "1h, got \"30\""},
      {"worker:\n  poll_interval: [1s]\n",
       "test.yaml:4:18: worker.poll_interval: expected a duration such as 250ms, 30s, 5m or "
       "1h, got a list"},
      {"blobs:\n  local:\n    roots: /tmp\n",
       "test.yaml:5:12: blobs.local.roots: expected a list of strings, got \"/tmp\""},
      {"blobs:\n  local:\n    roots: [[a]]\n",
       "test.yaml:5:12: blobs.local.roots: expected a list of strings, got a list"},
      {"worker: [1, 2]\n", "test.yaml:3:9: worker: expected a map, got a list"},
      {"server: 8080\n", "test.yaml:3:9: server: expected a map, got \"8080\""},
      {"queue:\n  redis_prefix: {a: 1}\n",
       "test.yaml:4:17: queue.redis_prefix: expected a string, got a map"},
  };
  for (const auto& c : cases) check_single_problem(kMinimal + c.yaml, c.expected);
}

TEST_CASE("database.url is required") {
  // No database section at all: there is no line to point at.
  check_single_problem("log:\n  level: info\n",
                       "test.yaml: database.url: required key is missing");
  // A database section without url: the section's position.
  check_single_problem("database:\n  pool_size: 4\n",
                       "test.yaml:2:3: database.url: required key is missing");
  check_single_problem("database:\n  url:\n",
                       "test.yaml:2:3: database.url: required key is missing");
}

TEST_CASE("integers outside their range are reported with the range") {
  check_single_problem(kMinimal + "server:\n  threads: 0\n",
                       "test.yaml:4:12: server.threads: must be between 1 and 1024, got 0");
  check_single_problem(kMinimal + "server:\n  threads: 99999999999\n",
                       "test.yaml:4:12: server.threads: must be between 1 and 1024, got "
                       "99999999999");
  check_single_problem("database:\n  url: sqlite:///x.db\n  pool_size: -1\n",
                       "test.yaml:3:14: database.pool_size: must be between 1 and 1024, got -1");
  check_single_problem(kMinimal + "worker:\n  queues:\n    low: 0\n",
                       "test.yaml:5:10: worker.queues.low: must be between 1 and 1000, got 0");
}

TEST_CASE("durations that must be positive are reported when zero") {
  check_single_problem(kMinimal + "http_client:\n  timeout: 0s\n",
                       "test.yaml:4:12: http_client.timeout: must be a positive duration");
  check_single_problem(kMinimal + "auth:\n  refresh_token_ttl: 0ms\n",
                       "test.yaml:4:22: auth.refresh_token_ttl: must be a positive duration");
}

TEST_CASE("a value outside its choices lists the choices") {
  check_single_problem(kMinimal + "queue:\n  backend: kafka\n",
                       "test.yaml:4:12: queue.backend: must be one of sql, redis, got \"kafka\"");
  check_single_problem(kMinimal + "log:\n  format: xml\n",
                       "test.yaml:4:11: log.format: must be one of text, json, got \"xml\"");
  check_single_problem(kMinimal + "log:\n  level: verbose\n",
                       "test.yaml:4:10: log.level: must be one of trace, debug, info, warn, "
                       "error, critical, off, got \"verbose\"");
}

TEST_CASE("a listen address must be host:port") {
  for (const auto* address : {"localhost", ":8080", "localhost:", "localhost:65536",
                              "localhost:http", "localhost:-1", "localhost:80x"}) {
    check_single_problem(kMinimal + "server:\n  listen: '" + address + "'\n",
                         std::string("test.yaml:4:11: server.listen: expected host:port, got \"") +
                             address + "\"");
  }
  check_single_problem(kMinimal + "worker:\n  listen: nowhere\n",
                       "test.yaml:4:11: worker.listen: expected host:port, got \"nowhere\"");
  check_no_problem(kMinimal + "server:\n  listen: 0.0.0.0:65535\n");
}

TEST_CASE("the redis queue backend needs a redis:// URL") {
  check_single_problem(kMinimal + "queue:\n  backend: redis\n",
                       "test.yaml:4:3: queue.redis_url: required when queue.backend is redis");
  check_single_problem(kMinimal + "queue:\n  backend: redis\n  redis_url: http://x\n",
                       "test.yaml:5:14: queue.redis_url: expected a redis://host:port/db URL");
  check_no_problem(kMinimal + "queue:\n  backend: redis\n  redis_url: redis://h:6379/0\n");
}

TEST_CASE("database URLs and time zones are checked") {
  check_single_problem("database:\n  url: mysql://x\n",
                       "test.yaml:2:8: database.url: expected a sqlite:///path or postgresql:// "
                       "URL");
  check_single_problem(kMinimal + "worker:\n  time_zone: Mars/Olympus\n",
                       "test.yaml:4:14: worker.time_zone: unknown time zone 'Mars/Olympus' "
                       "(expected an IANA name such as Europe/Berlin)");
}

TEST_CASE("invalid YAML is reported with the line where the parser stopped") {
  auto lines = problems_of(kMinimal + "server:\n  listen: [1, 2\nlog:\n  level: info\n");
  REQUIRE_FALSE(lines.empty());
  CHECK_MESSAGE(
      lines.front().starts_with("test.yaml: (document): invalid YAML at line 5, column 4: "),
      joined(lines));
  auto indented = problems_of(kMinimal + "server:\n  threads: 2\n threads: 3\n");
  REQUIRE_FALSE(indented.empty());
  CHECK_MESSAGE(
      indented.front().starts_with("test.yaml: (document): invalid YAML at line 5, column 2: "),
      joined(indented));
  auto nested = problems_of(kMinimal + "server:\n  threads: 2: 3\nlog: {}\n");
  REQUIRE_FALSE(nested.empty());
  CHECK_MESSAGE(
      nested.front().starts_with("test.yaml: (document): invalid YAML at line 4, column 13: "),
      joined(nested));
}

TEST_CASE("a document that is not a map is refused") {
  for (const auto* text : {"just text", "- a\n- b\n", "42"}) {
    CAPTURE(text);
    auto lines = problems_of(text);
    CHECK_MESSAGE(
        has(lines, "test.yaml:1:1: (document): the configuration must be a map of sections"),
        joined(lines));
  }
  // An empty file is an empty map: only the required key is missing.
  CHECK(problems_of("") ==
        std::vector<std::string>{"test.yaml: database.url: required key is missing"});
}

TEST_CASE("every problem of a configuration is reported at once by finish()") {
  auto tree = ConfigTree::load_string(
      "server:\n"
      "  threads: 0\n"          // 2: out of range
      "  listen: nowhere\n"     // 3: malformed address
      "queue:\n"
      "  backend: kafka\n"      // 5: bad choice
      "log:\n"
      "  access: maybe\n"       // 7: wrong type
      "  formt: json\n",        // 8: unknown key
      "test.yaml", {});
  read_core_config(tree.root());
  // Problems found while reading are collected, not thrown.
  CHECK(tree.problems().size() == 5);
  std::vector<std::string> lines;
  try {
    tree.finish();
    FAIL("finish() did not throw");
  } catch (const ConfigError& error) {
    for (const auto& problem : error.problems()) lines.push_back(problem.to_string());
    // what() lists the same problems, one per line.
    std::string expected_what;
    for (const auto& line : lines) expected_what += (expected_what.empty() ? "" : "\n") + line;
    CHECK(std::string(error.what()) == expected_what);
  }
  std::sort(lines.begin(), lines.end());
  CHECK(lines == std::vector<std::string>{
                     "test.yaml: database.url: required key is missing",
                     "test.yaml:2:12: server.threads: must be between 1 and 1024, got 0",
                     "test.yaml:3:11: server.listen: expected host:port, got \"nowhere\"",
                     "test.yaml:5:12: queue.backend: must be one of sql, redis, got \"kafka\"",
                     "test.yaml:7:11: log.access: expected true or false, got \"maybe\"",
                     "test.yaml:8:3: log.formt: unknown key (did you mean 'format'?)",
                 });
}

TEST_CASE("a missing configuration file is a ConfigError naming the file") {
  CHECK_THROWS_WITH_AS(ConfigTree::load_file("/nonexistent/orchestra.yaml", {}),
                       "/nonexistent/orchestra.yaml: (file): cannot open the configuration file",
                       ConfigError);
}

TEST_CASE("ORCHESTRA_<SECTION>__<KEY> overrides the file") {
  Environment env{{"ORCHESTRA_DATABASE__URL", "postgresql://db/x"},
                  {"ORCHESTRA_SERVER__THREADS", "5"}};
  auto tree = ConfigTree::load_string(kMinimal + "server:\n  threads: 2\n", "test.yaml", env);
  auto config = read_core_config(tree.root());
  CHECK_NOTHROW(tree.finish());
  CHECK(config.database.url == "postgresql://db/x");
  CHECK(config.server.threads == 5);
}

TEST_CASE("an override written as a flow list becomes a list") {
  auto tree = ConfigTree::load_string(kMinimal, "test.yaml",
                                      {{"ORCHESTRA_PLUGINS__ENABLED", "[a, b]"}});
  auto config = read_core_config(tree.root());
  CHECK(config.plugins.enabled == std::vector<std::string>{"a", "b"});
  CHECK(tree.problems().empty());
  // Without brackets it is one string, which is not a list.
  check_single_problem(kMinimal,
                       "$ORCHESTRA_PLUGINS__ENABLED: plugins.enabled: expected a list of "
                       "strings, got \"a, b\"",
                       {{"ORCHESTRA_PLUGINS__ENABLED", "a, b"}});
}

TEST_CASE("override values are scalars unless written as flow lists or maps") {
  Environment env{{"ORCHESTRA_QUEUE__REDIS_PREFIX", "app:"},
                  {"ORCHESTRA_LOG__FORMAT", "json # not a comment"},
                  {"ORCHESTRA_WORKER__QUEUES", "{default: 2, low: 1}"}};
  auto tree = ConfigTree::load_string(kMinimal, "test.yaml", env);
  auto config = read_core_config(tree.root());
  CHECK(config.queue.redis_prefix == "app:");
  CHECK(config.worker.queues == std::map<std::string, int>{{"default", 2}, {"low", 1}});
  auto problems = tree.problems();
  REQUIRE(problems.size() == 1);
  CHECK(problems[0].to_string() ==
        "$ORCHESTRA_LOG__FORMAT: log.format: must be one of text, json, got \"json # not a "
        "comment\"");
}

TEST_CASE("a problem in an overridden value names the environment variable") {
  check_single_problem(kMinimal,
                       "$ORCHESTRA_SERVER__THREADS: server.threads: expected an integer, got "
                       "\"abc\"",
                       {{"ORCHESTRA_SERVER__THREADS", "abc"}});
  check_single_problem(kMinimal,
                       "$ORCHESTRA_DATABASE__URL: database.url: expected a sqlite:///path or "
                       "postgresql:// URL",
                       {{"ORCHESTRA_DATABASE__URL", "mysql://x"}});
  // Inside an overridden map, the variable is still the location.
  check_single_problem(kMinimal,
                       "$ORCHESTRA_WORKER__QUEUES: worker.queues.low: must be between 1 and "
                       "1000, got 0",
                       {{"ORCHESTRA_WORKER__QUEUES", "{low: 0}"}});
}

TEST_CASE("variables without a double underscore, or without the prefix, are ignored") {
  Environment env{{"ORCHESTRA_TEST_POSTGRES_URL", "postgresql://elsewhere/x"},
                  {"ORCHESTRA_CONFIG", "/etc/other.yaml"},
                  {"OTHER__SERVER__THREADS", "abc"},
                  {"orchestra_server__threads", "abc"}};
  auto tree = ConfigTree::load_string(kMinimal, "test.yaml", env);
  auto config = read_core_config(tree.root());
  CHECK_NOTHROW(tree.finish());
  CHECK(config.database.url == "sqlite:///x.db");
  CHECK(config.server.threads ==
        static_cast<int>(std::max(2u, std::thread::hardware_concurrency()) / 2));
}

TEST_CASE("an override with underscores reaches a hyphenated plugin section") {
  const Environment env{{"ORCHESTRA_PLUGINS__STEAM_SYNC__API_KEY", "secret"}};
  const std::vector<std::string> documents{
      kMinimal + "plugins:\n  enabled: [steam-sync]\n  steam-sync:\n    api_key: old\n",
      kMinimal + "plugins:\n  enabled: [steam-sync]\n",
      kMinimal,
  };
  for (const auto& yaml : documents) {
    CAPTURE(yaml);
    auto tree = ConfigTree::load_string(yaml, "test.yaml", env);
    read_core_config(tree.root());
    auto plugins = tree.root().section("plugins");
    plugins.allow("steam-sync");  // what the host does for an enabled plugin
    auto section = plugins.section("steam-sync");
    CHECK(section.get<std::string>("api_key", "") == "secret");
    // Neither "steam_sync" nor "api_key" is left over as an unknown key.
    CHECK_NOTHROW(tree.finish());
  }
}

TEST_CASE("a plugin section the host does not allow is an unknown key") {
  check_single_problem(kMinimal + "plugins:\n  enabled: []\n  stean-sync:\n    api_key: x\n",
                       "test.yaml:5:3: plugins.stean-sync: unknown key");
}

namespace {

// Reads a shipped file as Application::configure() does: core sections,
// then the sections of enabled plugins are allowed (their own setup reads
// them), then finish().
void check_shipped(const std::string& name, const std::function<void(const CoreConfig&)>& more) {
  CAPTURE(name);
  auto tree = ConfigTree::load_file(std::string(ORCHESTRA_SOURCE_DIR "/config/") + name, {});
  auto root = tree.root();
  auto config = read_core_config(root);
  auto plugins = root.section("plugins");
  for (const auto& plugin : config.plugins.enabled) plugins.allow(plugin);
  std::vector<std::string> lines;
  try {
    tree.finish();
  } catch (const ConfigError& error) {
    for (const auto& problem : error.problems()) lines.push_back(problem.to_string());
  }
  CHECK_MESSAGE(lines.empty(), "problems were:\n" << joined(lines));
  more(config);
}

}  // namespace

TEST_CASE("the shipped config/orchestra.yaml has no problems") {
  check_shipped("orchestra.yaml", [](const CoreConfig& config) {
    CHECK(config.database.url == "sqlite:///var/orchestra.db");
    CHECK(config.queue.backend == "sql");
    CHECK(config.blobs.file_roots == std::vector<std::string>{"var/blobs"});
  });
}

TEST_CASE("the shipped config/scale-out.yaml has no problems") {
  check_shipped("scale-out.yaml", [](const CoreConfig& config) {
    CHECK(config.database.url.starts_with("postgresql://"));
    CHECK(config.queue.backend == "redis");
    CHECK(config.queue.redis_url.starts_with("redis://"));
    CHECK(config.worker.queues ==
          std::map<std::string, int>{
              {"calculator", 2}, {"csv-summer", 1}, {"steam-sync", 1}, {"notifications", 1},
              {"search-indexer", 1}});
    CHECK(config.log.format == "json");
  });
}

TEST_CASE("a key written twice, or a section repeated, is reported at the second") {
  check_single_problem(kMinimal + "server:\n  threads: 2\n  threads: 0\n",
                       "test.yaml:5:3: server.threads: written twice (first at line 4)");
  check_single_problem(kMinimal + "server:\n  threads: 2\nserver:\n  bogus: 1\n",
                       "test.yaml:5:1: server: written twice (first at line 3)");
  check_single_problem(kMinimal + "worker:\n  queues:\n    low: 1\n    low: 2\n",
                       "test.yaml:6:5: worker.queues.low: written twice (first at line 5)");
}

TEST_CASE("aliases that refer to their own map, or nest many times, are checked once") {
  // Only what the readers make of them is reported: unknown keys.
  auto recursive = problems_of(kMinimal + "extra: &loop\n  self: *loop\n");
  CHECK_MESSAGE(recursive.size() == 1, joined(recursive));
  std::string laughs = kMinimal + "l0: &l0 [a, a, a, a, a, a, a, a, a, a]\n";
  for (int level = 1; level < 12; ++level) {
    laughs += fmt::format("l{0}: &l{0} [*l{1}, *l{1}, *l{1}, *l{1}, *l{1}, *l{1}, *l{1}, *l{1}, "
                          "*l{1}, *l{1}]\n",
                          level, level - 1);
  }
  CHECK(problems_of(laughs).size() == 12);
}

TEST_CASE("a database.url the database layer would refuse is a config problem") {
  check_single_problem("database:\n  url: sqlite://x.db\n",
                       "test.yaml:2:8: database.url: unsupported URL 'sqlite://x.db'; expected "
                       "sqlite:///path or postgresql://user@host:port/dbname");
  check_single_problem("database:\n  url: sqlite:///\n",
                       "test.yaml:2:8: database.url: the sqlite URL names no file");
  check_single_problem("database:\n  url: ''\n",
                       "test.yaml:2:8: database.url: expected a sqlite:///path or postgresql:// "
                       "URL");
  check_single_problem("database:\n  url: 'postgresql://u:secret@h/db?sslmode=%zz'\n",
                       "test.yaml:2:8: database.url: malformed query string in the URL");
  check_single_problem("database:\n  url: sqlite:///a b.db\n",
                       "test.yaml:2:8: database.url: sqlite paths may contain neither spaces "
                       "nor '?'");
}

TEST_CASE("a malformed override variable is located at the variable") {
  check_single_problem(kMinimal,
                       "$ORCHESTRA_SERVER____THREADS: ORCHESTRA_SERVER____THREADS: malformed "
                       "override variable name",
                       {{"ORCHESTRA_SERVER____THREADS", "4"}});
  check_single_problem(kMinimal,
                       "$ORCHESTRA_SERVER___THREADS: server._threads: unknown key (did you "
                       "mean 'threads'?)",
                       {{"ORCHESTRA_SERVER___THREADS", "4"}});
}

// Found by fuzzing: a key that is a list or a map threw a yaml-cpp
// conversion error out of the loader instead of a config problem.
TEST_CASE("a key that is a list or a map is a config problem, not a crash") {
  auto found = problems_of(kMinimal + "? [a, b]\n: 1\nserver:\n  ? {x: 1}\n  : 2\n");
  CHECK_MESSAGE(found.size() == 2, joined(found));
  CHECK(joined(found).find("a key must be a plain name") != std::string::npos);
  auto with_override = problems_of("? [a]\n: 1\n" + kMinimal, {{"ORCHESTRA_SERVER__THREADS", "2"}});
  CHECK(joined(with_override).find("a key must be a plain name") != std::string::npos);
}

TEST_CASE("a time zone too long to be a file name is unknown, not a crash") {
  auto found = problems_of(kMinimal + "worker:\n  time_zone: " + std::string(300, 'z') + "\n");
  CHECK(joined(found).find("unknown time zone") != std::string::npos);
}
