#include "db/url.hpp"

#include <fmt/format.h>

#include <stdexcept>

namespace orchestra::db {

Target parse_database_url(const std::string& url, int busy_timeout_seconds) {
  constexpr std::string_view kSqlite = "sqlite:///";
  if (url.starts_with(kSqlite)) {
    auto path = url.substr(kSqlite.size());
    if (path.empty() || path == "/") {
      throw std::invalid_argument("database.url: the sqlite URL names no file");
    }
    if (path.find_first_of("? ") != std::string::npos) {
      throw std::invalid_argument(
          "database.url: sqlite paths may contain neither spaces nor '?'");
    }
    return Target{Dialect::sqlite, path, "sqlite3",
                  fmt::format("db={} timeout={}", path, busy_timeout_seconds)};
  }
  if (url.starts_with("postgresql://") || url.starts_with("postgres://")) {
    return Target{Dialect::postgres, "", "postgresql", url};
  }
  throw std::invalid_argument(
      fmt::format("database.url: unsupported URL '{}'; expected sqlite:///path or "
                  "postgresql://user@host:port/dbname",
                  url));
}

}  // namespace orchestra::db
