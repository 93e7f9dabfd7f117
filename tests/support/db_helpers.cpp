#include "support/db_helpers.hpp"

#include <chrono>
#include <cstdlib>
#include <thread>

#include <doctest/doctest.h>
#include <fmt/format.h>

namespace orchestra::testing {

const char* postgres_url() {
  const char* url = std::getenv("ORCHESTRA_TEST_POSTGRES_URL");
  REQUIRE_MESSAGE(url != nullptr, "ORCHESTRA_TEST_POSTGRES_URL is not set; run ./scripts/test.sh");
  return url;
}

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

std::vector<changes::Change> feed_entries(changes::ChangeFeed& feed, const std::string& source,
                                          const changes::FeedPosition& after, std::size_t count) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  auto entries = feed.read(source, after, 100);
  while (entries.size() < count && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    entries = feed.read(source, after, 100);
  }
  return entries;
}

}  // namespace orchestra::testing
