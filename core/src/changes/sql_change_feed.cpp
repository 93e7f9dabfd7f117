#include "changes/sql_change_feed.hpp"

#include <orchestra/clock.hpp>

#include <soci/soci.h>

namespace orchestra::changes {
namespace {

// Only rows of transactions older than the oldest one in progress: they
// are all visible to this statement's snapshot, and any row still to come
// belongs to a transaction at least that old, so it sorts after them.
constexpr const char* kPostgresRead =
    "SELECT CAST(CAST(txn AS text) AS BIGINT), position, key, document, created_at "
    "FROM change_feed WHERE source = :source "
    "AND txn < pg_snapshot_xmin(pg_current_snapshot()) "
    "AND (txn, position) > (CAST(CAST(:after_txn AS text) AS xid8), CAST(:after_position AS BIGINT)) "
    "ORDER BY txn, position LIMIT :limit";
// One writer at a time: positions commit in their order.
constexpr const char* kSqliteRead =
    "SELECT txn, position, key, document, created_at FROM change_feed "
    "WHERE source = :source AND position > :after_position "
    "ORDER BY position LIMIT :limit";

}  // namespace

void SqlChangeFeed::insert(soci::session& session, const std::string& source,
                           const std::string& key, const std::optional<std::string>& document) {
  soci::indicator document_null = document ? soci::i_ok : soci::i_null;
  std::string text = document.value_or("");
  long long now = unix_ms();
  // The entry replaces the document's earlier ones: a reader behind them
  // reads this one instead, and every reader needs the latest state only.
  session << "DELETE FROM change_feed WHERE source = :source AND key = :key", soci::use(source),
      soci::use(key);
  session << "INSERT INTO change_feed (source, key, document, created_at) VALUES (:source, "
             ":key, :document, :now)",
      soci::use(source), soci::use(key), soci::use(text, document_null), soci::use(now);
}

void SqlChangeFeed::publish(soci::session& session, const std::string& source,
                            const std::string& key, const std::string& document) {
  insert(session, source, key, document);
}

void SqlChangeFeed::remove(soci::session& session, const std::string& source,
                           const std::string& key) {
  insert(session, source, key, std::nullopt);
}

std::vector<Change> SqlChangeFeed::read(const std::string& source, const FeedPosition& after,
                                        int limit) {
  soci::session session(database_.pool());
  long long after_txn = after.transaction, after_position = after.sequence;
  bool postgres = database_.dialect() == db::Dialect::postgres;
  soci::rowset<soci::row> rows =
      postgres ? (session.prepare << kPostgresRead, soci::use(source, "source"),
                  soci::use(after_txn, "after_txn"), soci::use(after_position, "after_position"),
                  soci::use(limit, "limit"))
               : (session.prepare << kSqliteRead, soci::use(source, "source"),
                  soci::use(after_position, "after_position"), soci::use(limit, "limit"));
  std::vector<Change> changes;
  for (const auto& row : rows) {
    Change change;
    change.position = FeedPosition{db::int_at(row, 0), db::int_at(row, 1)};
    change.source = source;
    change.key = db::text_at(row, 2);
    change.document = db::optional_text_at(row, 3);
    change.created_at = db::int_at(row, 4);
    changes.push_back(std::move(change));
  }
  return changes;
}

}  // namespace orchestra::changes
