// db::apply_migrations on a real PostgreSQL (ORCHESTRA_TEST_POSTGRES_URL,
// started by ./scripts/test.sh): order, bookkeeping in schema_migrations,
// idempotence, all-or-nothing per file, refusal of a database newer than
// the build, and concurrent starts. Each test case works in a fresh schema
// of its own, dropped at the end.

#include "support/db_helpers.hpp"
#include "support/temp_dir.hpp"

#include "db/connection_pool.hpp"
#include "db/migrations.hpp"
#include "db/url.hpp"

#include <doctest/doctest.h>

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <latch>
#include <memory>
#include <optional>
#include <random>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

using namespace orchestra::db;
using orchestra::testing::TempDir;
using orchestra::testing::column;
using orchestra::testing::keys;

namespace {

std::unique_ptr<ConnectionPool> connect(const std::string& url, int size) {
  return std::make_unique<ConnectionPool>(parse_database_url(url, 5), size,
                                          std::chrono::milliseconds(5000));
}

// The server's URL; a failed check (and nullopt) when the variable is unset.
std::optional<std::string> postgres_url() {
  const char* url = std::getenv("ORCHESTRA_TEST_POSTGRES_URL");
  if (url == nullptr || *url == '\0') {
    FAIL_CHECK("ORCHESTRA_TEST_POSTGRES_URL is not set; run ./scripts/test.sh");
    return std::nullopt;
  }
  return std::string(url);
}

// A schema of its own (t_<random>) and a migrations folder; the URL sets
// search_path so every table lands in the schema. Dropped on destruction.
class PostgresDatabase {
 public:
  explicit PostgresDatabase(std::string base_url)
      : base_url_(std::move(base_url)),
        schema_(fmt::format("t_{:016x}", std::mt19937_64{std::random_device{}()}())) {
    auto admin = connect(base_url_, 1);
    soci::session session(admin->pool());
    execute_script(session, Dialect::postgres, "CREATE SCHEMA " + schema_);
    url_ = base_url_ + (base_url_.find('?') == std::string::npos ? "?" : "&") +
           "options=-csearch_path%3D" + schema_;
  }
  ~PostgresDatabase() {
    try {
      auto admin = connect(base_url_, 1);
      soci::session session(admin->pool());
      execute_script(session, Dialect::postgres, "DROP SCHEMA " + schema_ + " CASCADE");
    } catch (const std::exception& error) {
      MESSAGE("could not drop schema " << schema_ << ": " << error.what());
    }
  }
  PostgresDatabase(const PostgresDatabase&) = delete;
  PostgresDatabase& operator=(const PostgresDatabase&) = delete;

  const std::string& schema() const { return schema_; }
  std::filesystem::path root() const { return dir_.path() / "sql"; }
  void write(const std::string& relative, const std::string& sql) const {
    dir_.write("sql/" + relative, sql);
  }
  void remove(const std::string& relative) const { std::filesystem::remove(root() / relative); }
  std::unique_ptr<ConnectionPool> open(int size = 2) const { return connect(url_, size); }
  MigrationReport migrate(ConnectionPool& pool, const std::vector<std::string>& subsystems) const {
    return apply_migrations(pool, root(), discover_migrations(root(), subsystems, pool.dialect()));
  }

 private:
  std::string base_url_;
  std::string schema_;
  std::string url_;
  TempDir dir_;
};

long long count(ConnectionPool& pool, const std::string& sql) {
  soci::session session(pool.pool());
  long long value = -1;
  session << sql, soci::into(value);
  return value;
}

// Whether `table` exists in the test's own schema.
bool table_exists(ConnectionPool& pool, const PostgresDatabase& database,
                  const std::string& table) {
  soci::session session(pool.pool());
  int found = 0;
  session << "SELECT COUNT(*) FROM information_schema.tables "
             "WHERE table_schema = :s AND table_name = :t",
      soci::use(database.schema()), soci::use(table), soci::into(found);
  return found == 1;
}

// Migrations that log the order they ran in; core/0003 exists only for
// PostgreSQL and replaces a generic file of the same version.
void write_logging_migrations(const PostgresDatabase& database) {
  database.write("core/0001_log.sql",
                 "CREATE TABLE run_log (seq SERIAL PRIMARY KEY, step TEXT);\n"
                 "INSERT INTO run_log (step) VALUES ('core 1');");
  database.write("core/0010_ten.sql", "INSERT INTO run_log (step) VALUES ('core 10');");
  database.write("core/0002_two.sql", "INSERT INTO run_log (step) VALUES ('core 2');");
  database.write("core/0003_three.sql", "INSERT INTO run_log (step) VALUES ('generic 3');");
  database.write("core/0003_three.postgres.sql",
                 "INSERT INTO run_log (step) VALUES ('postgres 3');");
  database.write("core/0004_four.sqlite.sql", "INSERT INTO run_log (step) VALUES ('sqlite 4');");
  database.write("app/0001_app.sql", "INSERT INTO run_log (step) VALUES ('app 1');");
}

}  // namespace

TEST_CASE("PostgreSQL: migrations run in order, subsystem by subsystem, and are recorded") {
  auto base = postgres_url();
  if (!base) return;
  PostgresDatabase database(*base);
  write_logging_migrations(database);
  auto pool = database.open();
  auto report = database.migrate(*pool, {"core", "app"});
  CHECK(keys(report.applied) ==
        std::vector<std::string>{"core/1", "core/2", "core/3", "core/10", "app/1"});
  CHECK(report.already_applied == 0);
  CHECK(column(*pool, "SELECT step FROM run_log ORDER BY seq") ==
        std::vector<std::string>{"core 1", "core 2", "postgres 3", "core 10", "app 1"});
  CHECK(column(*pool, "SELECT subsystem || '/' || version || '/' || name FROM schema_migrations "
                      "ORDER BY subsystem DESC, version") ==
        std::vector<std::string>{"core/1/log", "core/2/two", "core/3/three", "core/10/ten",
                                 "app/1/app"});
  // The tables landed in the test's schema.
  CHECK(table_exists(*pool, database, "schema_migrations"));
  CHECK(table_exists(*pool, database, "run_log"));
}

TEST_CASE("PostgreSQL: a second run applies nothing, a new file later is applied alone") {
  auto base = postgres_url();
  if (!base) return;
  PostgresDatabase database(*base);
  write_logging_migrations(database);
  auto pool = database.open();
  REQUIRE(database.migrate(*pool, {"core", "app"}).applied.size() == 5);

  auto again = database.migrate(*pool, {"core", "app"});
  CHECK(again.applied.empty());
  CHECK(again.already_applied == 5);
  CHECK(count(*pool, "SELECT COUNT(*) FROM run_log") == 5);
  CHECK(count(*pool, "SELECT COUNT(*) FROM schema_migrations") == 5);

  auto other = database.open();
  CHECK(database.migrate(*other, {"core", "app"}).applied.empty());

  database.write("core/0011_eleven.sql", "INSERT INTO run_log (step) VALUES ('core 11');");
  auto later = database.migrate(*pool, {"core", "app"});
  CHECK(keys(later.applied) == std::vector<std::string>{"core/11"});
  CHECK(later.already_applied == 5);
  CHECK(column(*pool, "SELECT step FROM run_log ORDER BY seq DESC LIMIT 1") ==
        std::vector<std::string>{"core 11"});
}

TEST_CASE("PostgreSQL: a failing migration is rolled back completely, earlier ones stay") {
  auto base = postgres_url();
  if (!base) return;
  PostgresDatabase database(*base);
  database.write("core/0001_first.sql", "CREATE TABLE a (x INTEGER); INSERT INTO a VALUES (1);");
  database.write("core/0002_broken.sql",
                 "CREATE TABLE b (x INTEGER);\n"
                 "INSERT INTO a VALUES (2);\n"
                 "INSERT INTO nowhere VALUES (1);\n");
  database.write("core/0003_after.sql", "CREATE TABLE c (x INTEGER);");
  auto pool = database.open();

  CHECK_THROWS_WITH_AS(
      database.migrate(*pool, {"core"}),
      doctest::Contains(fmt::format("migration {} failed: ERROR:  relation \"nowhere\" does not "
                                    "exist",
                                    (database.root() / "core" / "0002_broken.sql").string())
                            .c_str()),
      MigrationError);
  CHECK(table_exists(*pool, database, "a"));
  CHECK(count(*pool, "SELECT COUNT(*) FROM a") == 1);
  CHECK_FALSE(table_exists(*pool, database, "b"));
  CHECK_FALSE(table_exists(*pool, database, "c"));
  CHECK(column(*pool, "SELECT subsystem || '/' || version FROM schema_migrations") ==
        std::vector<std::string>{"core/1"});

  // The session that failed is usable again: the next run picks up.
  database.write("core/0002_broken.sql", "CREATE TABLE b (x INTEGER); INSERT INTO a VALUES (2);");
  auto fixed = database.migrate(*pool, {"core"});
  CHECK(keys(fixed.applied) == std::vector<std::string>{"core/2", "core/3"});
  CHECK(table_exists(*pool, database, "b"));
  CHECK(table_exists(*pool, database, "c"));
  CHECK(count(*pool, "SELECT COUNT(*) FROM a") == 2);
}

TEST_CASE("PostgreSQL: a database recording a migration this build does not know is refused") {
  auto base = postgres_url();
  if (!base) return;
  PostgresDatabase database(*base);
  database.write("core/0001_first.sql", "CREATE TABLE a (x INTEGER);");
  database.write("core/0002_second.sql", "CREATE TABLE b (x INTEGER);");
  auto pool = database.open();
  REQUIRE(database.migrate(*pool, {"core"}).applied.size() == 2);

  database.remove("core/0002_second.sql");
  database.write("core/0003_other.sql", "CREATE TABLE c (x INTEGER);");
  CHECK_THROWS_WITH_AS(
      database.migrate(*pool, {"core"}),
      doctest::Contains("the database has migration core/0002_second that this build does not "
                        "know"),
      MigrationError);
  CHECK_FALSE(table_exists(*pool, database, "c"));
  CHECK(count(*pool, "SELECT COUNT(*) FROM schema_migrations") == 2);
}

TEST_CASE("PostgreSQL: two processes migrating at once apply every migration exactly once") {
  auto base = postgres_url();
  if (!base) return;
  PostgresDatabase database(*base);
  constexpr int kMigrations = 6;
  database.write("core/0001_runs.sql", "CREATE TABLE runs (version INTEGER);");
  for (int version = 2; version <= kMigrations; ++version) {
    // The sleep widens the window in which the other thread could interfere.
    database.write(fmt::format("core/{:04}_m{}.sql", version, version),
                   fmt::format("SELECT pg_sleep(0.02); INSERT INTO runs VALUES ({}); "
                               "CREATE TABLE t{} (x INTEGER);",
                               version, version));
  }
  constexpr int kThreads = 2;
  std::vector<std::unique_ptr<ConnectionPool>> pools;
  for (int i = 0; i < kThreads; ++i) pools.push_back(database.open(1));
  std::vector<MigrationReport> reports(kThreads);
  std::vector<std::string> errors(kThreads);
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      try {
        reports[i] = database.migrate(*pools[i], {"core"});
      } catch (const std::exception& error) {
        errors[i] = error.what();
      }
    });
  }
  for (auto& thread : threads) thread.join();

  std::multiset<std::string> applied;
  for (int i = 0; i < kThreads; ++i) {
    CAPTURE(i);
    CHECK(errors[i] == "");
    // Each process accounts for every migration, either applied or found.
    CHECK(reports[i].applied.size() + reports[i].already_applied == kMigrations);
    auto mine = keys(reports[i].applied);
    CHECK(std::is_sorted(reports[i].applied.begin(), reports[i].applied.end(),
                         [](const Migration& a, const Migration& b) {
                           return a.version < b.version;
                         }));
    applied.insert(mine.begin(), mine.end());
  }
  CHECK(applied == std::multiset<std::string>{"core/1", "core/2", "core/3", "core/4", "core/5",
                                              "core/6"});
  auto pool = database.open(1);
  CHECK(column(*pool, "SELECT version FROM runs ORDER BY version") ==
        std::vector<std::string>{"2", "3", "4", "5", "6"});
  CHECK(count(*pool, "SELECT COUNT(*) FROM schema_migrations") == kMigrations);
}

// Regression test for a bug found by review (fixed).
TEST_CASE("PostgreSQL: schema_migrations.applied_at is the UTC time of applying") {
  auto base = postgres_url();
  if (!base) return;
  PostgresDatabase database(*base);
  write_logging_migrations(database);
  auto pool = database.open();
  REQUIRE(database.migrate(*pool, {"core", "app"}).applied.size() == 5);
  static const std::regex iso_utc(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)");
  for (const auto& applied_at : column(*pool, "SELECT applied_at FROM schema_migrations")) {
    CAPTURE(applied_at);
    CHECK(std::regex_match(applied_at, iso_utc));
  }
}
