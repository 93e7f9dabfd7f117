// The change feed on real SQLite and PostgreSQL: an entry exists with its
// transaction or not at all, each document keeps its latest entry, readers
// get entries in order from their position and their lag counted, and on
// PostgreSQL no entry is skipped when transactions commit out of order.

#include "support/db_helpers.hpp"
#include "support/task_harness.hpp"

#include "changes/sql_change_feed.hpp"

#include <orchestra/db.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <thread>

using namespace orchestra::testing;
using orchestra::changes::FeedPosition;
using orchestra::changes::SqlChangeFeed;

namespace {

std::vector<std::string> keys_of(const std::vector<orchestra::changes::Change>& changes) {
  std::vector<std::string> keys;
  for (const auto& change : changes) keys.push_back(change.key);
  return keys;
}


void publish_one(TaskHarness& harness, SqlChangeFeed& feed, const std::string& source,
                 const std::string& key, bool commit = true) {
  soci::session session(harness.database().pool());
  orchestra::db::WriteTransaction transaction(session, harness.database().dialect());
  feed.publish(session, source, key, R"({"k":")" + key + R"("})");
  if (commit) transaction.commit();
}

#define FOR_EACH_DATABASE                    \
  for (auto backend : backends_under_test()) \
    if (backend != Backend::redis)           \
      SUBCASE(backend_name(backend))

}  // namespace

TEST_CASE("change feed: entries exist with their transaction, in order from a position") {
  FOR_EACH_DATABASE {
    TaskHarness harness(backend);
    SqlChangeFeed feed(harness.database());
    publish_one(harness, feed, "apps", "a");
    publish_one(harness, feed, "apps", "lost", /*commit=*/false);
    publish_one(harness, feed, "teams", "a");
    publish_one(harness, feed, "apps", "b");
    {
      soci::session session(harness.database().pool());
      orchestra::db::WriteTransaction transaction(session, harness.database().dialect());
      feed.remove(session, "apps", "a");
      transaction.commit();
    }
    // Each document's latest entry only: "a" was removed after "b" came.
    auto all = feed_entries(feed, "apps", {}, 2);
    CHECK(keys_of(all) == std::vector<std::string>{"b", "a"});
    CHECK(all[0].document == std::optional<std::string>(R"({"k":"b"})"));
    CHECK_FALSE(all[1].document);  // the removal
    CHECK(keys_of(feed_entries(feed, "teams", {}, 1)) == std::vector<std::string>{"a"});
    auto first = feed.read("apps", {}, 1);
    REQUIRE(first.size() == 1);
    CHECK(keys_of(feed.read("apps", first[0].position, 10)) == std::vector<std::string>{"a"});
    CHECK(feed.read("apps", all.back().position, 10).empty());
    auto behind = feed.lag("apps", first[0].position);
    CHECK(behind.changes == 1);
    CHECK(behind.oldest_at == std::optional<std::int64_t>(all[1].created_at));
    CHECK(feed.lag("apps", all.back().position).changes == 0);
    CHECK_FALSE(feed.lag("apps", all.back().position).oldest_at);
    CHECK(FeedPosition::parse(all[1].position.text()) == all[1].position);
    CHECK_THROWS_AS(FeedPosition::parse("12"), std::invalid_argument);
    CHECK_THROWS_AS(FeedPosition::parse("a.b"), std::invalid_argument);
  }
}

TEST_CASE("change feed: PostgreSQL transactions committing out of order skip nothing") {
  for (auto backend : backends_under_test()) {
    if (backend != Backend::postgres) continue;
    TaskHarness harness(backend);
    SqlChangeFeed feed(harness.database());
    auto dialect = harness.database().dialect();

    // The first to write commits last: nothing of the later one shows
    // until it does.
    {
      soci::session early(harness.database().pool()), late(harness.database().pool());
      orchestra::db::WriteTransaction early_transaction(early, dialect);
      feed.publish(early, "apps", "early", "{}");
      {
        orchestra::db::WriteTransaction late_transaction(late, dialect);
        feed.publish(late, "apps", "late", "{}");
        late_transaction.commit();
      }
      CHECK(feed.read("apps", {}, 10).empty());
      CHECK(feed.lag("apps", {}).changes == 0);  // as read() sees it
      early_transaction.commit();
    }
    auto both = feed_entries(feed, "apps", {}, 2);
    CHECK(keys_of(both) == std::vector<std::string>{"early", "late"});

    // The hole of position-ordered readers: a transaction that began first
    // writes a higher position and commits first, while one that began
    // later holds a lower position. A reader that checkpoints after the
    // higher position must still get the lower one.
    auto checkpoint = both.back().position;
    soci::session old_session(harness.database().pool()), new_session(harness.database().pool());
    orchestra::db::WriteTransaction old_transaction(old_session, dialect);
    feed.publish(old_session, "other", "takes an id first", "{}");
    orchestra::db::WriteTransaction new_transaction(new_session, dialect);
    feed.publish(new_session, "apps", "lower", "{}");
    feed.publish(old_session, "apps", "higher", "{}");
    old_transaction.commit();
    auto seen = feed_entries(feed, "apps", checkpoint, 1);
    REQUIRE(keys_of(seen) == std::vector<std::string>{"higher"});
    checkpoint = seen.back().position;
    new_transaction.commit();
    auto rest = feed_entries(feed, "apps", checkpoint, 1);
    REQUIRE(keys_of(rest) == std::vector<std::string>{"lower"});
    CHECK(rest[0].position.sequence < seen[0].position.sequence);  // a position-only reader skips it
    CHECK(feed.read("apps", rest[0].position, 10).empty());
  }
}
