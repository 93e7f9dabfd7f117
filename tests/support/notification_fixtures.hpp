#pragma once
// Followers for notifications tests and benchmarks in numbers the API
// would take minutes to create: written straight into a server's SQLite
// database in one transaction.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace orchestra::testing {

struct FollowerFixture {
  std::string user_prefix = "user-";  // users are <prefix>0, <prefix>1, ...
  int users = 0;
  // Each user follows `per_user` of these, picked in turn (user i follows
  // teams[(i + k) % size] for k < per_user).
  std::vector<std::int64_t> teams;
  int per_user = 1;
  int daily_hour = 8;  // in UTC
  bool live_start = true;
};

void insert_followers(const std::filesystem::path& database, const FollowerFixture& fixture);
// Makes every user's daily digest due now, as if its hour had just struck.
void make_digests_due(const std::filesystem::path& database);
// How many inbox items of `kind` the database holds.
long long inbox_count(const std::filesystem::path& database, const std::string& kind);

}  // namespace orchestra::testing
