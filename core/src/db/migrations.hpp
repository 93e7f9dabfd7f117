#pragma once
// Schema migrations: sql/<subsystem>/NNNN_name.sql, or NNNN_name.sqlite.sql
// and NNNN_name.postgres.sql where the dialects differ. Each file runs in
// its own transaction and is recorded in schema_migrations; concurrent
// starts serialise on the database, so each file runs once.

#include "db/connection_pool.hpp"

#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace orchestra::db {

struct Migration {
  std::string subsystem;
  int version = 0;
  std::string name;
  std::filesystem::path file;
};

class MigrationError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The migrations of `subsystems`, in order (subsystems in the given order,
// versions ascending within each). A subsystem without a folder has none.
// Throws MigrationError on a malformed file name or a duplicate version.
std::vector<Migration> discover_migrations(const std::filesystem::path& root,
                                           const std::vector<std::string>& subsystems,
                                           Dialect dialect);

// Every subsystem folder under `root`.
std::vector<std::string> known_subsystems(const std::filesystem::path& root);

struct MigrationReport {
  std::vector<Migration> applied;  // applied by this call
  std::size_t already_applied = 0;
};

// Refuses (MigrationError) when the database records a migration of a
// subsystem in `root` that this build does not have; then applies what is
// missing of `migrations`.
MigrationReport apply_migrations(ConnectionPool& database, const std::filesystem::path& root,
                                 const std::vector<Migration>& migrations);

}  // namespace orchestra::db
