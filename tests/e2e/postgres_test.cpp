// The real binary on the real PostgreSQL started by scripts/test.sh.

#include "support/http_client.hpp"
#include "support/test_server.hpp"

#include "db/url.hpp"

#include <doctest/doctest.h>

#include <soci/soci.h>

#include <cstdlib>
#include <filesystem>
#include <iterator>
#include <random>

using namespace orchestra::testing;

namespace {

soci::session connect(const std::string& url) {
  return soci::session("postgresql", orchestra::db::parse_database_url(url, 5).connect_string);
}

// A schema of its own, so runs and test cases never see each other's tables.
class PostgresSchema {
 public:
  explicit PostgresSchema(std::string base_url) : base_url_(std::move(base_url)) {
    name_ = "e2e_" + std::to_string(std::random_device{}());
    connect(base_url_) << "CREATE SCHEMA " + name_;
  }
  ~PostgresSchema() {
    try {
      connect(base_url_) << "DROP SCHEMA " + name_ + " CASCADE";
    } catch (const std::exception&) {
    }
  }
  std::string url() const {
    return base_url_ + (base_url_.find('?') == std::string::npos ? "?" : "&") +
           "options=-csearch_path%3D" + name_;
  }
  std::string base_url() const { return base_url_; }
  const std::string& name() const { return name_; }

 private:
  std::string base_url_;
  std::string name_;
};

}  // namespace

TEST_CASE("api and worker run on PostgreSQL: migrate, readiness, probes") {
  const char* base = std::getenv("ORCHESTRA_TEST_POSTGRES_URL");
  if (base == nullptr) {
    FAIL_CHECK("ORCHESTRA_TEST_POSTGRES_URL is not set; run ./scripts/test.sh");
    return;
  }
  PostgresSchema schema(base);
  TempDir dir;
  Environment env{{"ORCHESTRA_DATABASE__URL", schema.url()}};
  auto config = dir.write("pg.yaml", test_config());
  auto migrated = run_orchestra(dir, {"migrate", "--config", config.string()}, env);
  CHECK_MESSAGE(migrated.exit_code == 0, migrated.output);
  CHECK(migrated.output.find("applied core/0001_core") != std::string::npos);

  TestServer api(dir, "api", test_config(), env);
  TestServer worker(dir, "worker", test_config(), env);
  auto ready = http_get(api.port(), "/readyz");
  CHECK(ready.status == 200);
  CHECK(http_get(worker.port(), "/readyz").status == 200);
  CHECK(http_get(api.port(), "/api/v1/echo/hello").status == 200);

  auto session = connect(schema.url());
  int applied = 0;
  session << "SELECT COUNT(*) FROM schema_migrations WHERE subsystem = 'core'",
      soci::into(applied);
  // Every core migration but those for SQLite only.
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(ORCHESTRA_SOURCE_DIR "/sql/core")) {
    if (!entry.path().string().ends_with(".sqlite.sql")) ++files;
  }
  CHECK(applied == files);
}
