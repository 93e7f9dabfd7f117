#include "support/db_helpers.hpp"

#include <fmt/format.h>

namespace orchestra::testing {

std::vector<std::string> column(db::ConnectionPool& pool, const std::string& sql) {
  soci::session session(pool.pool());
  std::vector<std::string> values;
  soci::rowset<std::string> rows = session.prepare << sql;
  for (const auto& value : rows) values.push_back(value);
  return values;
}

std::vector<std::string> keys(const std::vector<db::Migration>& migrations) {
  std::vector<std::string> out;
  for (const auto& m : migrations) out.push_back(fmt::format("{}/{}", m.subsystem, m.version));
  return out;
}

}  // namespace orchestra::testing
