// The migration runner on real SQLite and PostgreSQL: order, idempotence,
// rollback of a failing file, refusal of unknown migrations, concurrency.

#include "support/task_harness.hpp"
#include "support/temp_dir.hpp"

#include "db/migrations.hpp"
#include "db/url.hpp"

#include <doctest/doctest.h>

#include <fmt/format.h>

#include <future>
#include <random>

using namespace orchestra::db;
using namespace orchestra::testing;

namespace {

// An empty database of the backend: a SQLite file, or a fresh schema.
class EmptyDatabase {
 public:
  explicit EmptyDatabase(Backend backend) : backend_(backend) {
    if (backend == Backend::sqlite) {
      url_ = "sqlite:///" + (dir_.path() / "m.db").string();
      return;
    }
    base_ = std::getenv("ORCHESTRA_TEST_POSTGRES_URL");
    schema_ = fmt::format("mig_{}", std::random_device{}());
    connect(base_)->pool().at(0) << "CREATE SCHEMA " + schema_;
    url_ = base_ + "?options=-csearch_path%3D" + schema_;
  }
  ~EmptyDatabase() {
    if (backend_ == Backend::postgres) {
      auto pool = connect(base_);
      pool->pool().at(0) << "SET client_min_messages TO WARNING";
      pool->pool().at(0) << "DROP SCHEMA " + schema_ + " CASCADE";
    }
  }
  std::unique_ptr<ConnectionPool> connect(const std::string& url) const {
    return std::make_unique<ConnectionPool>(parse_database_url(url, 5), 2,
                                            std::chrono::milliseconds(5000));
  }
  std::unique_ptr<ConnectionPool> open() const { return connect(url_); }
  const TempDir& dir() const { return dir_; }

 private:
  Backend backend_;
  TempDir dir_;
  std::string url_, base_, schema_;
};

// Migrations concern the databases, not the redis task backend.
std::vector<Backend> database_backends() {
  auto backends = backends_under_test();
  std::erase(backends, Backend::redis);
  return backends;
}

int count(ConnectionPool& pool, const std::string& sql) {
  soci::session session(pool.pool());
  long long value = 0;
  session << sql, soci::into(value);
  return static_cast<int>(value);
}

bool table_exists(ConnectionPool& pool, const std::string& table) {
  try {
    count(pool, "SELECT COUNT(*) FROM " + table);
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace

TEST_CASE("migrations apply in order, once, each in its own transaction") {
  for (auto backend : database_backends()) {
    SUBCASE(backend_name(backend)) {
      EmptyDatabase database(backend);
      const auto& dir = database.dir();
      dir.write("sql/core/0001_first.sql", "CREATE TABLE a (x INTEGER PRIMARY KEY); INSERT INTO a VALUES (1);");
      dir.write("sql/core/0002_second.sql", "CREATE TABLE b (x INTEGER REFERENCES a (x));");
      dir.write("sql/app/0001_app.sql", "INSERT INTO a VALUES (2);");
      auto root = dir.path() / "sql";
      auto pool = database.open();
      auto migrations = discover_migrations(root, {"core", "app"}, pool->dialect());
      auto report = apply_migrations(*pool, root, migrations);
      CHECK(report.applied.size() == 3);
      CHECK(count(*pool, "SELECT COUNT(*) FROM a") == 2);
      CHECK(count(*pool, "SELECT COUNT(*) FROM schema_migrations") == 3);
      auto again = apply_migrations(*pool, root, migrations);
      CHECK(again.applied.empty());
      CHECK(again.already_applied == 3);

      dir.write("sql/core/0003_broken.sql", "CREATE TABLE c (x INTEGER); INSERT INTO nowhere VALUES (1);");
      auto with_broken = discover_migrations(root, {"core", "app"}, pool->dialect());
      CHECK_THROWS_WITH_AS(apply_migrations(*pool, root, with_broken),
                           doctest::Contains("0003_broken.sql failed"), MigrationError);
      CHECK_FALSE(table_exists(*pool, "c"));
      CHECK(count(*pool, "SELECT COUNT(*) FROM schema_migrations") == 3);

      std::filesystem::remove(root / "core" / "0003_broken.sql");
      std::filesystem::remove(root / "app" / "0001_app.sql");
      CHECK_THROWS_WITH_AS(apply_migrations(*pool, root, discover_migrations(root, {"core"}, pool->dialect())),
                           doctest::Contains("app/0001_app that this build does not know"),
                           MigrationError);
    }
  }
}

TEST_CASE("SQLite sessions run in WAL mode with foreign keys on") {
  EmptyDatabase database(Backend::sqlite);
  auto pool = database.open();
  soci::session session(pool->pool());
  std::string mode;
  int foreign_keys = 0;
  session << "PRAGMA journal_mode", soci::into(mode);
  session << "PRAGMA foreign_keys", soci::into(foreign_keys);
  CHECK(mode == "wal");
  CHECK(foreign_keys == 1);
}

TEST_CASE("processes starting together apply each migration exactly once") {
  for (auto backend : database_backends()) {
    SUBCASE(backend_name(backend)) {
      EmptyDatabase database(backend);
      const auto& dir = database.dir();
      for (int i = 1; i <= 5; ++i) {
        dir.write(fmt::format("sql/core/{:04}_m{}.sql", i, i),
                  fmt::format("CREATE TABLE t{} (x INTEGER);", i));
      }
      auto root = dir.path() / "sql";
      std::vector<std::future<std::size_t>> runs;
      for (int i = 0; i < 4; ++i) {
        runs.push_back(std::async(std::launch::async, [&] {
          auto pool = database.open();
          return apply_migrations(*pool, root, discover_migrations(root, {"core"}, pool->dialect()))
              .applied.size();
        }));
      }
      std::size_t total = 0;
      for (auto& run : runs) total += run.get();
      CHECK(total == 5);
      auto pool = database.open();
      CHECK(count(*pool, "SELECT COUNT(*) FROM schema_migrations") == 5);
    }
  }
}
