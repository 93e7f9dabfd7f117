#include "db/migrations.hpp"
#include "db/url.hpp"
#include "support/temp_dir.hpp"

#include <doctest/doctest.h>

using namespace orchestra::db;
using orchestra::testing::TempDir;

namespace {

std::vector<std::string> names(const std::vector<Migration>& migrations) {
  std::vector<std::string> out;
  for (const auto& migration : migrations) {
    out.push_back(migration.subsystem + "/" + migration.file.filename().string());
  }
  return out;
}

}  // namespace

TEST_CASE("migrations run subsystem by subsystem, versions ascending, dialect files preferred") {
  TempDir dir;
  dir.write("sql/core/0010_later.sql", "");
  dir.write("sql/core/0002_second.sql", "");
  dir.write("sql/core/0001_first.sqlite.sql", "");
  dir.write("sql/core/0001_first.postgres.sql", "");
  dir.write("sql/calc/0001_calc.sql", "");
  dir.write("sql/calc/0002_fts.postgres.sql", "");
  dir.write("sql/unused/0001_x.sql", "");
  auto root = dir.path() / "sql";
  CHECK(names(discover_migrations(root, {"core", "calc"}, Dialect::sqlite)) ==
        std::vector<std::string>{"core/0001_first.sqlite.sql", "core/0002_second.sql",
                                 "core/0010_later.sql", "calc/0001_calc.sql"});
  CHECK(names(discover_migrations(root, {"core", "calc", "missing"}, Dialect::postgres)) ==
        std::vector<std::string>{"core/0001_first.postgres.sql", "core/0002_second.sql",
                                 "core/0010_later.sql", "calc/0001_calc.sql",
                                 "calc/0002_fts.postgres.sql"});
  CHECK(known_subsystems(root) == std::vector<std::string>{"calc", "core", "unused"});
}

TEST_CASE("a dialect file overrides a generic one of the same version") {
  TempDir dir;
  dir.write("sql/core/0001_generic.sql", "");
  dir.write("sql/core/0001_generic.sqlite.sql", "");
  auto sqlite = discover_migrations(dir.path() / "sql", {"core"}, Dialect::sqlite);
  REQUIRE(sqlite.size() == 1);
  CHECK(sqlite[0].file.filename() == "0001_generic.sqlite.sql");
  auto postgres = discover_migrations(dir.path() / "sql", {"core"}, Dialect::postgres);
  REQUIRE(postgres.size() == 1);
  CHECK(postgres[0].file.filename() == "0001_generic.sql");
}

TEST_CASE("duplicate versions and bad file names are refused, naming the file") {
  TempDir duplicate;
  duplicate.write("sql/core/0001_a.sql", "");
  duplicate.write("sql/core/0001_b.sql", "");
  CHECK_THROWS_WITH_AS(discover_migrations(duplicate.path() / "sql", {"core"}, Dialect::sqlite),
                       doctest::Contains("version 0001 of core is defined twice"),
                       MigrationError);
  TempDir malformed;
  malformed.write("sql/core/1_short.sql", "");
  CHECK_THROWS_WITH_AS(discover_migrations(malformed.path() / "sql", {"core"}, Dialect::sqlite),
                       doctest::Contains("1_short.sql: not a migration file name"),
                       MigrationError);
}

TEST_CASE("database URLs") {
  auto relative = parse_database_url("sqlite:///var/x.db", 5);
  CHECK(relative.dialect == Dialect::sqlite);
  CHECK(relative.path == "var/x.db");
  CHECK(relative.connect_string == "db=var/x.db timeout=5");
  CHECK(parse_database_url("sqlite:////srv/x.db", 5).path == "/srv/x.db");
  auto postgres = parse_database_url(
      "postgresql://user:p%40ss@db.local:5433/app?sslmode=disable&options=-csearch_path%3Ds", 5);
  CHECK(postgres.dialect == Dialect::postgres);
  CHECK(postgres.connect_string ==
        "host='db.local' port='5433' dbname='app' user='user' password='p@ss' "
        "options='-csearch_path=s' sslmode='disable'");
  CHECK(parse_database_url("postgres://h/d", 5).connect_string == "host='h' dbname='d'");
  CHECK_THROWS_AS(parse_database_url("mysql://x", 5), std::invalid_argument);
  CHECK_THROWS_AS(parse_database_url("sqlite:///", 5), std::invalid_argument);
  CHECK_THROWS_AS(parse_database_url("postgresql://h/%zz", 5), std::invalid_argument);
}
