#pragma once
// Small queries shared by the database integration tests.

#include "db/connection_pool.hpp"
#include "db/migrations.hpp"

#include <orchestra/changes.hpp>

#include <string>
#include <vector>

namespace orchestra::testing {

// ORCHESTRA_TEST_POSTGRES_URL; the calling test stops with a message when
// it is not set.
const char* postgres_url();
// The first column of every row `sql` returns, as text.
std::vector<std::string> column(db::ConnectionPool& pool, const std::string& sql);
// "subsystem/version" of each migration.
std::vector<std::string> keys(const std::vector<db::Migration>& migrations);

// At least `count` entries of `source` after `after`, waiting up to 20 s:
// on PostgreSQL entries show once every older write transaction of the
// cluster ended, other tests' included.
std::vector<changes::Change> feed_entries(changes::ChangeFeed& feed, const std::string& source,
                                          const changes::FeedPosition& after, std::size_t count);

}  // namespace orchestra::testing
