// Finding migrations on disk (db::discover_migrations, known_subsystems) and
// resolving database URLs (db::parse_database_url), without a database.

#include "db/migrations.hpp"
#include "db/url.hpp"
#include "support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <stdexcept>
#include <string>
#include <vector>

using namespace orchestra::db;
using orchestra::testing::TempDir;

namespace {

// "subsystem/file name" of each migration, in order.
std::vector<std::string> names(const std::vector<Migration>& migrations) {
  std::vector<std::string> out;
  for (const auto& migration : migrations) {
    out.push_back(migration.subsystem + "/" + migration.file.filename().string());
  }
  return out;
}

}  // namespace

TEST_CASE("subsystems come in the order given, versions ascending numerically within each") {
  TempDir dir;
  dir.write("sql/core/0010_tenth.sql", "");
  dir.write("sql/core/0002_second.sql", "");
  dir.write("sql/core/0001_first.sql", "");
  dir.write("sql/core/0100_hundredth.sql", "");
  dir.write("sql/calc/0002_b.sql", "");
  dir.write("sql/calc/0001_a.sql", "");
  auto root = dir.path() / "sql";
  CHECK(names(discover_migrations(root, {"core", "calc"}, Dialect::sqlite)) ==
        std::vector<std::string>{"core/0001_first.sql", "core/0002_second.sql",
                                 "core/0010_tenth.sql", "core/0100_hundredth.sql",
                                 "calc/0001_a.sql", "calc/0002_b.sql"});
  CHECK(names(discover_migrations(root, {"calc", "core"}, Dialect::sqlite)) ==
        std::vector<std::string>{"calc/0001_a.sql", "calc/0002_b.sql", "core/0001_first.sql",
                                 "core/0002_second.sql", "core/0010_tenth.sql",
                                 "core/0100_hundredth.sql"});
  // Only the subsystems asked for.
  CHECK(names(discover_migrations(root, {"calc"}, Dialect::postgres)) ==
        std::vector<std::string>{"calc/0001_a.sql", "calc/0002_b.sql"});
}

TEST_CASE("a migration records its subsystem, version, name and file") {
  TempDir dir;
  auto file = dir.write("sql/core/0042_add_index.postgres.sql", "");
  auto migrations = discover_migrations(dir.path() / "sql", {"core"}, Dialect::postgres);
  REQUIRE(migrations.size() == 1);
  CHECK(migrations[0].subsystem == "core");
  CHECK(migrations[0].version == 42);
  CHECK(migrations[0].name == "add_index");
  CHECK(migrations[0].file == file);
}

TEST_CASE("a dialect file replaces the generic one for its dialect and is ignored by the other") {
  TempDir dir;
  dir.write("sql/core/0001_tables.sql", "");
  dir.write("sql/core/0001_tables.sqlite.sql", "");
  dir.write("sql/core/0002_fts.postgres.sql", "");
  dir.write("sql/core/0003_generic.sql", "");
  dir.write("sql/core/0004_a.postgres.sql", "");
  dir.write("sql/core/0004_b.sqlite.sql", "");
  auto root = dir.path() / "sql";
  CHECK(names(discover_migrations(root, {"core"}, Dialect::sqlite)) ==
        std::vector<std::string>{"core/0001_tables.sqlite.sql", "core/0003_generic.sql",
                                 "core/0004_b.sqlite.sql"});
  CHECK(names(discover_migrations(root, {"core"}, Dialect::postgres)) ==
        std::vector<std::string>{"core/0001_tables.sql", "core/0002_fts.postgres.sql",
                                 "core/0003_generic.sql", "core/0004_a.postgres.sql"});
}

TEST_CASE("a dialect file wins over a generic one whatever their names sort as") {
  TempDir dir;
  // "0001_a.sqlite.sql" sorts before "0001_b.sql": the override still holds.
  dir.write("sql/core/0001_a.sqlite.sql", "");
  dir.write("sql/core/0001_b.sql", "");
  auto migrations = discover_migrations(dir.path() / "sql", {"core"}, Dialect::sqlite);
  CHECK(names(migrations) == std::vector<std::string>{"core/0001_a.sqlite.sql"});
  CHECK(names(discover_migrations(dir.path() / "sql", {"core"}, Dialect::postgres)) ==
        std::vector<std::string>{"core/0001_b.sql"});
}

TEST_CASE("two files of one version for the same dialect are refused, naming the file") {
  TempDir generic;
  generic.write("sql/core/0001_a.sql", "");
  generic.write("sql/core/0001_b.sql", "");
  CHECK_THROWS_WITH_AS(discover_migrations(generic.path() / "sql", {"core"}, Dialect::sqlite),
                       doctest::Contains("0001_b.sql: version 0001 of core is defined twice"),
                       MigrationError);
  TempDir dialect;
  dialect.write("sql/core/0003_a.sqlite.sql", "");
  dialect.write("sql/core/0003_b.sqlite.sql", "");
  CHECK_THROWS_WITH_AS(discover_migrations(dialect.path() / "sql", {"core"}, Dialect::sqlite),
                       doctest::Contains("version 0003 of core is defined twice"),
                       MigrationError);
  // The postgres run never looks at sqlite files.
  CHECK(discover_migrations(dialect.path() / "sql", {"core"}, Dialect::postgres).empty());
}

TEST_CASE("a file whose name is not NNNN_name[.dialect].sql is refused, naming the file") {
  for (const auto* name : {"1_short.sql", "00001_five.sql", "0001-dash.sql", "0001_Upper.sql",
                           "0001_.sql", "0001_x.mysql.sql", "0001_x.txt", "0001_x.sql.bak",
                           "README.md", "abcd_x.sql", "0001_with space.sql"}) {
    CAPTURE(name);
    TempDir dir;
    dir.write("sql/core/0001_good.sql", "");
    auto bad = dir.write(std::string("sql/core/") + name, "");
    CHECK_THROWS_WITH_AS(discover_migrations(dir.path() / "sql", {"core"}, Dialect::sqlite),
                         doctest::Contains((bad.string() + ": not a migration file name").c_str()),
                         MigrationError);
  }
}

TEST_CASE("a subsystem without a folder has no migrations") {
  TempDir dir;
  dir.write("sql/core/0001_first.sql", "");
  CHECK(discover_migrations(dir.path() / "sql", {"missing"}, Dialect::sqlite).empty());
  CHECK(names(discover_migrations(dir.path() / "sql", {"missing", "core"}, Dialect::sqlite)) ==
        std::vector<std::string>{"core/0001_first.sql"});
  CHECK(discover_migrations(dir.path() / "nowhere", {"core"}, Dialect::sqlite).empty());
  // A folder with nothing in it is fine too.
  std::filesystem::create_directories(dir.path() / "sql" / "empty");
  CHECK(discover_migrations(dir.path() / "sql", {"empty"}, Dialect::postgres).empty());
}

TEST_CASE("known_subsystems lists every folder under the root, sorted, and nothing else") {
  TempDir dir;
  dir.write("sql/core/0001_x.sql", "");
  dir.write("sql/calculator/0001_x.sql", "");
  dir.write("sql/unused/0001_x.sql", "");
  dir.write("sql/notes.txt", "");
  CHECK(known_subsystems(dir.path() / "sql") ==
        std::vector<std::string>{"calculator", "core", "unused"});
  CHECK(known_subsystems(dir.path() / "missing").empty());
}

TEST_CASE("sqlite:///rel.db is relative to the working directory") {
  auto relative = parse_database_url("sqlite:///var/x.db", 5);
  CHECK(relative.dialect == Dialect::sqlite);
  CHECK(relative.path == "var/x.db");
  CHECK(relative.soci_backend == "sqlite3");
  CHECK(relative.connect_string == "db=var/x.db timeout=5");
}

TEST_CASE("sqlite:////abs.db is absolute") {
  auto absolute = parse_database_url("sqlite:////srv/data/x.db", 7);
  CHECK(absolute.dialect == Dialect::sqlite);
  CHECK(absolute.path == "/srv/data/x.db");
  CHECK(absolute.connect_string == "db=/srv/data/x.db timeout=7");
}

TEST_CASE("postgresql:// URLs are passed to libpq as keywords") {
  auto postgres = parse_database_url(
      "postgresql://user:p%40ss@db.local:5433/app?sslmode=disable&options=-csearch_path%3Ds", 5);
  CHECK(postgres.dialect == Dialect::postgres);
  CHECK(postgres.path.empty());
  CHECK(postgres.soci_backend == "postgresql");
  CHECK(postgres.connect_string ==
        "host='db.local' port='5433' dbname='app' user='user' password='p@ss' "
        "options='-csearch_path=s' sslmode='disable' connect_timeout='5'");
  CHECK(parse_database_url("postgres://h/d", 5).connect_string ==
        "host='h' dbname='d' connect_timeout='5'");
  // A host that drops packets must not stall a reconnect for minutes; the
  // URL's own connect_timeout wins.
  CHECK(parse_database_url("postgres://h/d?connect_timeout=2", 5).connect_string ==
        "host='h' dbname='d' connect_timeout='2'");
  CHECK(parse_database_url("postgresql://u@[::1]:6543/d", 5).connect_string ==
        "host='::1' port='6543' dbname='d' user='u' connect_timeout='5'");
  CHECK(parse_database_url("postgresql://u:it's@h/d", 5).connect_string ==
        "host='h' dbname='d' user='u' password='it\\'s' connect_timeout='5'");
}

TEST_CASE("unsupported schemes and sqlite URLs without a file are refused") {
  for (const auto* url : {"mysql://x/y", "sqlite://x.db", "sqlite:x.db", "", "file:///x.db",
                          "sqlite:///", "sqlite:////", "sqlite:///a b.db", "sqlite:///x.db?mode=ro",
                          "postgresql://h/%zz", "postgresql://h/d?a=%4"}) {
    CAPTURE(url);
    CHECK_THROWS_AS(parse_database_url(url, 5), std::invalid_argument);
  }
  CHECK_THROWS_WITH_AS(parse_database_url("mysql://x/y", 5),
                       doctest::Contains("unsupported URL 'mysql://x/y'"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(parse_database_url("sqlite:///", 5),
                       "database.url: the sqlite URL names no file", std::invalid_argument);
}
