#pragma once
// Small queries shared by the database integration tests.

#include "db/connection_pool.hpp"
#include "db/migrations.hpp"

#include <string>
#include <vector>

namespace orchestra::testing {

// The first column of every row `sql` returns, as text.
std::vector<std::string> column(db::ConnectionPool& pool, const std::string& sql);
// "subsystem/version" of each migration.
std::vector<std::string> keys(const std::vector<db::Migration>& migrations);

}  // namespace orchestra::testing
