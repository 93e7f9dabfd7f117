#include "db/migrations.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

namespace orchestra::db {
namespace {

namespace fs = std::filesystem;

constexpr const char* kCreateTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " subsystem TEXT NOT NULL,"
    " version INTEGER NOT NULL,"
    " name TEXT NOT NULL,"
    " applied_at TEXT NOT NULL,"
    " PRIMARY KEY (subsystem, version))";

// An arbitrary constant all Orchestra processes agree on.
constexpr long long kPostgresLockKey = 0x6f72636865737472;

struct ParsedName {
  int version;
  std::string name;
  std::string dialect;  // "", "sqlite" or "postgres"
};

std::optional<ParsedName> parse_file_name(const std::string& file_name) {
  static const std::regex pattern(R"(^(\d{4})_([a-z0-9_]+)(\.(sqlite|postgres))?\.sql$)");
  std::smatch match;
  if (!std::regex_match(file_name, match, pattern)) return std::nullopt;
  return ParsedName{std::stoi(match[1]), match[2], match[4]};
}

std::string read_file(const fs::path& path) {
  std::ifstream file(path);
  if (!file) throw MigrationError("cannot read " + path.string());
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

std::vector<Migration> discover_subsystem(const fs::path& folder, const std::string& subsystem,
                                          Dialect dialect) {
  const std::string wanted = dialect == Dialect::sqlite ? "sqlite" : "postgres";
  std::map<int, std::pair<Migration, std::string>> chosen;  // version -> (file, dialect)
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(folder)) {
    if (entry.is_regular_file()) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& file : files) {
    auto parsed = parse_file_name(file.filename().string());
    if (!parsed) {
      throw MigrationError(fmt::format(
          "{}: not a migration file name (expected NNNN_name.sql, NNNN_name.sqlite.sql "
          "or NNNN_name.postgres.sql)",
          file.string()));
    }
    if (!parsed->dialect.empty() && parsed->dialect != wanted) continue;
    auto [it, inserted] = chosen.try_emplace(
        parsed->version, Migration{subsystem, parsed->version, parsed->name, file},
        parsed->dialect);
    if (!inserted) {
      if (it->second.second.empty() == parsed->dialect.empty()) {
        throw MigrationError(fmt::format("{}: version {:04} of {} is defined twice",
                                         file.string(), parsed->version, subsystem));
      }
      if (!parsed->dialect.empty()) it->second = {Migration{subsystem, parsed->version,
                                                            parsed->name, file},
                                                  parsed->dialect};
    }
  }
  std::vector<Migration> migrations;
  for (auto& [version, entry] : chosen) migrations.push_back(std::move(entry.first));
  return migrations;
}

std::string now_utc() {
  auto now = std::chrono::system_clock::now();
  auto time = std::chrono::system_clock::to_time_t(now);
  std::tm parts{};
  gmtime_r(&time, &parts);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
  return text;
}

void check_known(soci::session& session, const fs::path& root) {
  std::set<std::pair<std::string, int>> known;
  for (const auto& subsystem : known_subsystems(root)) {
    for (auto dialect : {Dialect::sqlite, Dialect::postgres}) {
      for (const auto& migration : discover_subsystem(root / subsystem, subsystem, dialect)) {
        known.emplace(subsystem, migration.version);
      }
    }
  }
  soci::rowset<soci::row> rows =
      (session.prepare << "SELECT subsystem, version, name FROM schema_migrations");
  for (const auto& row : rows) {
    auto subsystem = row.get<std::string>(0);
    auto version = row.get_properties(1).get_data_type() == soci::dt_integer
                       ? row.get<int>(1)
                       : static_cast<int>(row.get<long long>(1));
    if (!known.contains({subsystem, version})) {
      throw MigrationError(fmt::format(
          "the database has migration {}/{:04}_{} that this build does not know; "
          "refusing to start (is this binary older than the database?)",
          subsystem, version, row.get<std::string>(2)));
    }
  }
}

void begin(soci::session& session, Dialect dialect) {
  if (dialect == Dialect::sqlite) {
    execute_script(session, dialect, "BEGIN IMMEDIATE");
  } else {
    execute_script(session, dialect,
                   fmt::format("BEGIN; SELECT pg_advisory_xact_lock({})", kPostgresLockKey));
  }
}

// Applies one migration unless another process already did; true if applied.
bool apply_one(soci::session& session, Dialect dialect, const Migration& migration) {
  begin(session, dialect);
  try {
    int count = 0;
    session << "SELECT COUNT(*) FROM schema_migrations WHERE subsystem = :s AND version = :v",
        soci::use(migration.subsystem), soci::use(migration.version), soci::into(count);
    if (count > 0) {
      execute_script(session, dialect, "COMMIT");
      return false;
    }
    execute_script(session, dialect, read_file(migration.file));
    auto applied_at = now_utc();  // bound by reference: must outlive the statement
    session << "INSERT INTO schema_migrations (subsystem, version, name, applied_at) "
               "VALUES (:s, :v, :n, :t)",
        soci::use(migration.subsystem), soci::use(migration.version),
        soci::use(migration.name), soci::use(applied_at);
    execute_script(session, dialect, "COMMIT");
    return true;
  } catch (const std::exception& error) {
    try {
      execute_script(session, dialect, "ROLLBACK");
    } catch (const std::exception&) {
    }
    throw MigrationError(fmt::format("migration {} failed: {}", migration.file.string(),
                                     error.what()));
  }
}

}  // namespace

std::vector<std::string> known_subsystems(const fs::path& root) {
  std::vector<std::string> names;
  if (!fs::is_directory(root)) return names;
  for (const auto& entry : fs::directory_iterator(root)) {
    if (entry.is_directory()) names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<Migration> discover_migrations(const fs::path& root,
                                           const std::vector<std::string>& subsystems,
                                           Dialect dialect) {
  std::vector<Migration> all;
  for (const auto& subsystem : subsystems) {
    if (!fs::is_directory(root / subsystem)) continue;
    auto found = discover_subsystem(root / subsystem, subsystem, dialect);
    all.insert(all.end(), found.begin(), found.end());
  }
  return all;
}

MigrationReport apply_migrations(ConnectionPool& database, const fs::path& root,
                                 const std::vector<Migration>& migrations) {
  soci::session session(database.pool());
  auto dialect = database.dialect();
  begin(session, dialect);
  execute_script(session, dialect, kCreateTable);
  execute_script(session, dialect, "COMMIT");
  check_known(session, root);
  MigrationReport report;
  for (const auto& migration : migrations) {
    if (apply_one(session, dialect, migration)) {
      report.applied.push_back(migration);
    } else {
      ++report.already_applied;
    }
  }
  return report;
}

}  // namespace orchestra::db
