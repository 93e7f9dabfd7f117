// Start-up and the subcommands: every failure is one clear message and a
// non-zero exit, before anything is opened.

#include "support/http_client.hpp"
#include "support/test_server.hpp"

#include <doctest/doctest.h>

#include <soci/soci.h>

#include <filesystem>

using namespace orchestra::testing;

namespace {

CommandResult run_with_config(const TempDir& dir, const std::string& config,
                              std::vector<std::string> args, const Environment& env = {}) {
  auto file = dir.write("config.yaml", config);
  args.push_back("--config");
  args.push_back(file.string());
  return run_orchestra(dir, args, env);
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("--help and --version exit 0, a bad role or command exits 2") {
  TempDir dir;
  auto help = run_orchestra(dir, {"--help"});
  CHECK(help.exit_code == 0);
  CHECK(contains(help.output, "--role"));
  auto version = run_orchestra(dir, {"--version"});
  CHECK(version.exit_code == 0);
  CHECK(contains(version.output, "orchestra 0."));
  auto role = run_orchestra(dir, {"--role", "boss"});
  CHECK(role.exit_code == 2);
  CHECK(contains(role.output, "--role must be api, worker or all"));
  auto command = run_with_config(dir, test_config(), {"frobnicate"});
  CHECK(command.exit_code == 2);
  CHECK(contains(command.output, "unknown command 'frobnicate'"));
}

TEST_CASE("config check reports every problem with its YAML path and line") {
  TempDir dir;
  auto good = run_with_config(dir, test_config(), {"config", "check"});
  CHECK(good.exit_code == 0);
  CHECK(contains(good.output, "configuration OK"));
  auto bad = run_with_config(dir,
                             "server:\n"
                             "  listen: nowhere\n"
                             "  threads: two\n"
                             "queue:\n"
                             "  backend: kafka\n"
                             "databse:\n"
                             "  url: sqlite:///x.db\n",
                             {"config", "check"});
  CHECK(bad.exit_code == 1);
  CHECK(contains(bad.output, "config.yaml:2:11: server.listen: expected host:port"));
  CHECK(contains(bad.output, "config.yaml:3:12: server.threads: expected an integer"));
  CHECK(contains(bad.output, "config.yaml:5:12: queue.backend: must be one of sql, redis"));
  CHECK(contains(bad.output, "database.url: required key is missing"));
  CHECK(contains(bad.output, "config.yaml:6:1: databse: unknown key (did you mean 'database'?)"));
  CHECK_FALSE(std::filesystem::exists(dir.path() / "x.db"));
}

TEST_CASE("a plugin's config section is closed: unknown keys are errors") {
  TempDir dir;
  auto result = run_with_config(dir, test_config("  echo:\n    greting: hi\n"), {"config", "check"});
  CHECK(result.exit_code == 1);
  CHECK(contains(result.output, "plugins.echo.greting: unknown key (did you mean 'greeting'?)"));
  auto typed = run_with_config(dir, test_config("  echo:\n    max_sleep: 5\n"), {"config", "check"});
  CHECK(typed.exit_code == 1);
  CHECK(contains(typed.output, "plugins.echo.max_sleep: expected a duration"));
  auto stray = run_with_config(dir, test_config("  nosuch:\n    a: 1\n"), {"config", "check"});
  CHECK(stray.exit_code == 1);
  CHECK(contains(stray.output, "plugins.nosuch: unknown key"));
  // A core problem stops the check before plugins load; an enabled
  // plugin's section is still not called unknown.
  auto core = run_with_config(
      dir, test_config("  echo:\n    greeting: hi\nhttp_client:\n  timeout: 0s\n"),
      {"config", "check"});
  CHECK(core.exit_code == 1);
  CHECK(contains(core.output, "http_client.timeout: must be a positive duration"));
  auto partial = run_with_config(
      dir, test_config("http_client:\n  rate_limits:\n    api.example.com: {per: 1s}\n"),
      {"config", "check"});
  CHECK(partial.exit_code == 1);
  CHECK(contains(partial.output,
                 "http_client.rate_limits.api.example.com.requests: required key is missing"));
  CHECK_FALSE(contains(core.output, "plugins.echo: unknown key"));
}

TEST_CASE("environment variables override any key") {
  TempDir dir;
  TestServer server(dir, "all", test_config(),
                    {{"ORCHESTRA_PLUGINS__ECHO__GREETING", "bonjour"}});
  CHECK(http_get(server.port(), "/api/v1/echo/hello").body == R"({"message":"bonjour"})");
  auto bad = run_with_config(dir, test_config(), {"config", "check"},
                             {{"ORCHESTRA_SERVER__THREADS", "many"}});
  CHECK(bad.exit_code == 1);
  CHECK(contains(bad.output, "$ORCHESTRA_SERVER__THREADS: server.threads: expected an integer"));
}

TEST_CASE("plugins that cannot load or fail in setup stop start-up naming the plugin") {
  TempDir dir;
  auto missing = run_with_config(
      dir, test_config().replace(test_config().find("[echo]"), 6, "[echo, nope]"), {});
  CHECK(missing.exit_code == 1);
  CHECK(contains(missing.output, "plugin 'nope': not found (looked for"));

  auto failing = run_with_config(dir, test_config("  echo:\n    fail_setup: true\n"), {});
  CHECK(failing.exit_code == 1);
  CHECK(contains(failing.output, "plugin 'echo' failed in setup: fail_setup is set"));

  auto plugin_dir = dir.path() / "plugins";
  std::filesystem::create_directories(plugin_dir);
  std::filesystem::copy_file(std::filesystem::path(ORCHESTRA_TEST_PLUGIN_DIR) / "libecho.so",
                             plugin_dir / "libecho.so");
  std::filesystem::copy_file(std::filesystem::path(ORCHESTRA_BINARY).parent_path().parent_path() /
                                 "lib" / "liborchestra.so",
                             plugin_dir / "libbogus.so");
  auto config = test_config();
  config.replace(config.find(ORCHESTRA_TEST_PLUGIN_DIR), std::string(ORCHESTRA_TEST_PLUGIN_DIR).size(),
                 plugin_dir.string());
  config.replace(config.find("[echo]"), 6, "[bogus]");
  auto bogus = run_with_config(dir, config, {});
  CHECK(bogus.exit_code == 1);
  CHECK(contains(bogus.output, "plugin 'bogus':"));
  CHECK(contains(bogus.output, "is not an Orchestra plugin"));

  auto listing = run_with_config(dir, config, {"plugins"});
  CHECK(listing.exit_code == 0);
  CHECK(contains(listing.output, "echo"));
  CHECK(contains(listing.output, "1.0.0"));
  CHECK(contains(listing.output, "disabled"));
  CHECK(contains(listing.output, "broken"));
}

TEST_CASE("orchestra plugins lists the plugins found, enabled and missing") {
  TempDir dir;
  auto config = test_config();
  config.replace(config.find("[echo]"), 6, "[echo, ghost]");
  auto result = run_with_config(dir, config, {"plugins"});
  CHECK(result.exit_code == 1);
  CHECK(contains(result.output, "echo                 1.0.0      enabled   Test plugin"));
  CHECK(contains(result.output, "ghost"));
  CHECK(contains(result.output, "missing"));
}

TEST_CASE("migrate applies once, and start refuses a database from a newer build") {
  TempDir dir;
  auto first = run_with_config(dir, test_config(), {"migrate"});
  CHECK(first.exit_code == 0);
  CHECK(contains(first.output, "applied core/0001_core"));
  auto second = run_with_config(dir, test_config(), {"migrate"});
  CHECK(second.exit_code == 0);
  CHECK(contains(second.output, "0 applied, "));
  CHECK(contains(first.output, "applied core/0002_tasks"));
  {
    soci::session session("sqlite3", "db=" + (dir.path() / "var" / "test.db").string());
    session << "INSERT INTO schema_migrations (subsystem, version, name, applied_at) "
               "VALUES ('core', 9999, 'future', 'now')";
  }
  auto refused = run_with_config(dir, test_config(), {});
  CHECK(refused.exit_code == 1);
  CHECK(contains(refused.output, "core/9999_future that this build does not know"));
}

TEST_CASE("a port in use and an unreachable database are one-line errors") {
  TempDir dir;
  TestServer first(dir, "all", test_config());
  auto clash = run_orchestra(dir, {"--config", dir.write("clash.yaml", test_config()).string()},
                             {{"ORCHESTRA_SERVER__LISTEN", "127.0.0.1:" + std::to_string(first.port())}});
  CHECK(clash.exit_code == 1);
  CHECK(contains(clash.output, "cannot listen on 127.0.0.1:" + std::to_string(first.port())));
  auto no_db = run_with_config(dir, test_config(), {},
                               {{"ORCHESTRA_DATABASE__URL", "postgresql://nobody@127.0.0.1:1/none?connect_timeout=2"}});
  CHECK(no_db.exit_code == 1);
  CHECK(contains(no_db.output, "cannot open the database (PostgreSQL)"));
}
