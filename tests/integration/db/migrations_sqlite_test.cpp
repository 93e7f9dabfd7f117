// db::apply_migrations on a real SQLite file: order, bookkeeping in
// schema_migrations, idempotence, all-or-nothing per file, refusal of a
// database newer than the build; and how the pool configures SQLite.

#include "support/db_helpers.hpp"
#include "support/temp_dir.hpp"

#include "db/connection_pool.hpp"
#include "db/migrations.hpp"
#include "db/url.hpp"

#include <doctest/doctest.h>

#include <fmt/format.h>

#include <future>
#include <latch>
#include <memory>
#include <regex>
#include <set>
#include <string>
#include <vector>

using namespace orchestra::db;
using orchestra::testing::TempDir;
using orchestra::testing::column;
using orchestra::testing::keys;

namespace {

// A SQLite file and a migrations folder in one temp dir.
class SqliteDatabase {
 public:
  std::filesystem::path root() const { return dir_.path() / "sql"; }
  void write(const std::string& relative, const std::string& sql) const {
    dir_.write("sql/" + relative, sql);
  }
  void remove(const std::string& relative) const { std::filesystem::remove(root() / relative); }
  std::unique_ptr<ConnectionPool> open(int size = 2) const {
    return std::make_unique<ConnectionPool>(
        parse_database_url("sqlite:///" + (dir_.path() / "test.db").string(), 5), size,
        std::chrono::milliseconds(5000));
  }
  MigrationReport migrate(ConnectionPool& pool, const std::vector<std::string>& subsystems) const {
    return apply_migrations(pool, root(), discover_migrations(root(), subsystems, pool.dialect()));
  }

 private:
  TempDir dir_;
};

long long count(ConnectionPool& pool, const std::string& sql) {
  soci::session session(pool.pool());
  long long value = -1;
  session << sql, soci::into(value);
  return value;
}

bool table_exists(ConnectionPool& pool, const std::string& table) {
  soci::session session(pool.pool());
  int found = 0;
  session << "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = :t",
      soci::use(table), soci::into(found);
  return found == 1;
}

// Migrations that log the order they ran in.
void write_logging_migrations(const SqliteDatabase& database) {
  database.write("core/0001_log.sql",
                 "CREATE TABLE run_log (seq INTEGER PRIMARY KEY AUTOINCREMENT, step TEXT);\n"
                 "INSERT INTO run_log (step) VALUES ('core 1');");
  database.write("core/0010_ten.sql", "INSERT INTO run_log (step) VALUES ('core 10');");
  database.write("core/0002_two.sql", "INSERT INTO run_log (step) VALUES ('core 2');");
  database.write("app/0001_app.sql", "INSERT INTO run_log (step) VALUES ('app 1');");
}

}  // namespace

TEST_CASE("SQLite: migrations run in order, subsystem by subsystem, and are recorded") {
  SqliteDatabase database;
  write_logging_migrations(database);
  auto pool = database.open();
  auto report = database.migrate(*pool, {"core", "app"});
  CHECK(keys(report.applied) == std::vector<std::string>{"core/1", "core/2", "core/10", "app/1"});
  CHECK(report.already_applied == 0);
  CHECK(column(*pool, "SELECT step FROM run_log ORDER BY seq") ==
        std::vector<std::string>{"core 1", "core 2", "core 10", "app 1"});
  CHECK(column(*pool, "SELECT subsystem || '/' || version || '/' || name FROM schema_migrations "
                      "ORDER BY subsystem DESC, version") ==
        std::vector<std::string>{"core/1/log", "core/2/two", "core/10/ten", "app/1/app"});
}

TEST_CASE("SQLite: a second run applies nothing, a new file later is applied alone") {
  SqliteDatabase database;
  write_logging_migrations(database);
  auto pool = database.open();
  REQUIRE(database.migrate(*pool, {"core", "app"}).applied.size() == 4);

  auto again = database.migrate(*pool, {"core", "app"});
  CHECK(again.applied.empty());
  CHECK(again.already_applied == 4);
  CHECK(count(*pool, "SELECT COUNT(*) FROM run_log") == 4);
  CHECK(count(*pool, "SELECT COUNT(*) FROM schema_migrations") == 4);

  // Another process (a new pool) sees the same.
  auto other = database.open();
  CHECK(database.migrate(*other, {"core", "app"}).applied.empty());

  database.write("core/0011_eleven.sql", "INSERT INTO run_log (step) VALUES ('core 11');");
  auto later = database.migrate(*pool, {"core", "app"});
  CHECK(keys(later.applied) == std::vector<std::string>{"core/11"});
  CHECK(later.already_applied == 4);
  CHECK(column(*pool, "SELECT step FROM run_log ORDER BY seq DESC LIMIT 1") ==
        std::vector<std::string>{"core 11"});
}

TEST_CASE("SQLite: a failing migration is rolled back completely, earlier ones stay") {
  SqliteDatabase database;
  database.write("core/0001_first.sql", "CREATE TABLE a (x INTEGER); INSERT INTO a VALUES (1);");
  database.write("core/0002_broken.sql",
                 "CREATE TABLE b (x INTEGER);\n"
                 "INSERT INTO a VALUES (2);\n"
                 "INSERT INTO nowhere VALUES (1);\n");
  database.write("core/0003_after.sql", "CREATE TABLE c (x INTEGER);");
  auto pool = database.open();

  CHECK_THROWS_WITH_AS(database.migrate(*pool, {"core"}),
                       doctest::Contains(fmt::format("migration {} failed: no such table: nowhere",
                                                     (database.root() / "core" /
                                                      "0002_broken.sql").string())
                                             .c_str()),
                       MigrationError);
  CHECK(table_exists(*pool, "a"));
  CHECK(count(*pool, "SELECT COUNT(*) FROM a") == 1);  // 0002's insert is undone
  CHECK_FALSE(table_exists(*pool, "b"));
  CHECK_FALSE(table_exists(*pool, "c"));  // nothing after the failure runs
  CHECK(column(*pool, "SELECT subsystem || '/' || version FROM schema_migrations") ==
        std::vector<std::string>{"core/1"});

  // Once the file is fixed, the next run picks up where it stopped.
  database.write("core/0002_broken.sql", "CREATE TABLE b (x INTEGER); INSERT INTO a VALUES (2);");
  auto fixed = database.migrate(*pool, {"core"});
  CHECK(keys(fixed.applied) == std::vector<std::string>{"core/2", "core/3"});
  CHECK(table_exists(*pool, "b"));
  CHECK(table_exists(*pool, "c"));
  CHECK(count(*pool, "SELECT COUNT(*) FROM a") == 2);
}

TEST_CASE("SQLite: a database recording a migration this build does not know is refused") {
  SqliteDatabase database;
  database.write("core/0001_first.sql", "CREATE TABLE a (x INTEGER);");
  database.write("core/0002_second.sql", "CREATE TABLE b (x INTEGER);");
  auto pool = database.open();
  REQUIRE(database.migrate(*pool, {"core"}).applied.size() == 2);

  // An older build: 0002 is gone, and it brings a 0003 of its own.
  database.remove("core/0002_second.sql");
  database.write("core/0003_other.sql", "CREATE TABLE c (x INTEGER);");
  CHECK_THROWS_WITH_AS(
      database.migrate(*pool, {"core"}),
      doctest::Contains("the database has migration core/0002_second that this build does not "
                        "know"),
      MigrationError);
  CHECK_FALSE(table_exists(*pool, "c"));  // refused before applying anything
  CHECK(count(*pool, "SELECT COUNT(*) FROM schema_migrations") == 2);
}

TEST_CASE("SQLite: migrations of a subsystem that is present but not enabled are still known") {
  SqliteDatabase database;
  database.write("core/0001_first.sql", "CREATE TABLE a (x INTEGER);");
  database.write("calculator/0001_calc.sql", "CREATE TABLE calc (x INTEGER);");
  auto pool = database.open();
  REQUIRE(database.migrate(*pool, {"core", "calculator"}).applied.size() == 2);
  // The calculator plugin is disabled now: its recorded migration is not an error.
  auto report = database.migrate(*pool, {"core"});
  CHECK(report.applied.empty());
  CHECK(report.already_applied == 1);
}

TEST_CASE("SQLite: every pooled session is in WAL mode with foreign keys enforced") {
  SqliteDatabase database;
  constexpr int kSize = 3;
  auto pool = database.open(kSize);
  {
    soci::session setup(pool->pool());
    execute_script(setup, Dialect::sqlite,
                   "CREATE TABLE parent (id INTEGER PRIMARY KEY);"
                   "CREATE TABLE child (parent INTEGER REFERENCES parent (id));");
  }
  // Holding every session at once makes each of them answer.
  std::vector<std::unique_ptr<soci::session>> sessions;
  for (int i = 0; i < kSize; ++i) {
    sessions.push_back(std::make_unique<soci::session>(pool->pool()));
  }
  for (int i = 0; i < kSize; ++i) {
    CAPTURE(i);
    auto& session = *sessions[i];
    std::string mode;
    int foreign_keys = 0;
    session << "PRAGMA journal_mode", soci::into(mode);
    session << "PRAGMA foreign_keys", soci::into(foreign_keys);
    CHECK(mode == "wal");
    CHECK(foreign_keys == 1);
    CHECK_THROWS(session << "INSERT INTO child (parent) VALUES (42)");
  }
}

TEST_CASE("SQLite: processes starting together apply each migration exactly once") {
  SqliteDatabase database;
  database.write("core/0001_runs.sql", "CREATE TABLE runs (version INTEGER);");
  for (int version = 2; version <= 6; ++version) {
    database.write(fmt::format("core/{:04}_m{}.sql", version, version),
                   fmt::format("INSERT INTO runs VALUES ({}); CREATE TABLE t{} (x INTEGER);",
                               version, version));
  }
  // Each "process" has its own pool.
  std::vector<std::unique_ptr<ConnectionPool>> pools;
  for (int i = 0; i < 4; ++i) pools.push_back(database.open(1));
  std::latch start(4);
  std::vector<std::future<MigrationReport>> runs;
  for (int i = 0; i < 4; ++i) {
    runs.push_back(std::async(std::launch::async, [&, i] {
      start.arrive_and_wait();
      return database.migrate(*pools[i], {"core"});
    }));
  }
  std::multiset<std::string> applied;
  for (auto& run : runs) {
    auto report = run.get();
    CHECK(report.applied.size() + report.already_applied == 6);
    for (const auto& key : keys(report.applied)) applied.insert(key);
  }
  CHECK(applied == std::multiset<std::string>{"core/1", "core/2", "core/3", "core/4", "core/5",
                                              "core/6"});
  auto pool = database.open();
  CHECK(column(*pool, "SELECT version FROM runs ORDER BY version") ==
        std::vector<std::string>{"2", "3", "4", "5", "6"});
  CHECK(count(*pool, "SELECT COUNT(*) FROM schema_migrations") == 6);
}

// Regression test for a bug found by review (fixed).
TEST_CASE("SQLite: schema_migrations.applied_at is the UTC time of applying") {
  SqliteDatabase database;
  write_logging_migrations(database);
  auto pool = database.open();
  REQUIRE(database.migrate(*pool, {"core", "app"}).applied.size() == 4);
  static const std::regex iso_utc(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)");
  for (const auto& applied_at : column(*pool, "SELECT applied_at FROM schema_migrations")) {
    CAPTURE(applied_at);
    CHECK(std::regex_match(applied_at, iso_utc));
  }
}

// Regression test for a reported bug (fixed): "database is locked" when
// several connections switched a new file to WAL at once.
TEST_CASE("SQLite: pools opened at once on a fresh file all open") {
  for (int round = 0; round < 50; ++round) {
    CAPTURE(round);
    SqliteDatabase database;
    std::latch start(4);
    std::vector<std::future<std::string>> opens;
    for (int i = 0; i < 4; ++i) {
      opens.push_back(std::async(std::launch::async, [&] {
        start.arrive_and_wait();
        try {
          database.open(1);
          return std::string();
        } catch (const std::exception& error) {
          return std::string(error.what());
        }
      }));
    }
    for (auto& open : opens) CHECK(open.get() == "");
  }
}
