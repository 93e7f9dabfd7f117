#pragma once

#include <orchestra/db.hpp>

#include <string>

namespace orchestra::db {

// What a database URL resolves to. sqlite:///var/x.db is relative to the
// working directory, sqlite:////srv/x.db absolute (the SQLAlchemy rule);
// postgresql:// URLs go to libpq unchanged.
struct Target {
  Dialect dialect;
  std::string path;  // SQLite file; empty for PostgreSQL
  std::string soci_backend;
  std::string connect_string;
};

// Throws std::invalid_argument naming the problem.
Target parse_database_url(const std::string& url, int busy_timeout_seconds);

}  // namespace orchestra::db
