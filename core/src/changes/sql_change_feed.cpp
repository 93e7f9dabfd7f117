#include "changes/sql_change_feed.hpp"

#include <orchestra/clock.hpp>
#include <orchestra/sql_query.hpp>

#include <soci/soci.h>

namespace orchestra::changes {
namespace {

// Only rows of transactions older than the oldest one in progress: they
// are all visible to this statement's snapshot, and any row still to come
// belongs to a transaction at least that old, so it sorts after them.
constexpr const char* kPostgresAfter =
    " FROM change_feed WHERE source = :source "
    "AND txn < pg_snapshot_xmin(pg_current_snapshot()) "
    "AND (txn, position) > (CAST(CAST(:after_txn AS text) AS xid8), CAST(:after_position AS BIGINT))";
// One writer at a time: positions commit in their order.
constexpr const char* kSqliteAfter =
    " FROM change_feed WHERE source = :source AND position > :after_position";

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
  bool postgres = database_.dialect() == db::Dialect::postgres;
  db::SqlQuery query(postgres ? "SELECT CAST(CAST(txn AS text) AS BIGINT), position, key, "
                                "document, created_at"
                              : "SELECT txn, position, key, document, created_at");
  query.append(after_condition(query, source, after))
      .append(postgres ? " ORDER BY txn, position LIMIT :limit" : " ORDER BY position LIMIT :limit")
      .integer("limit", limit);
  std::vector<Change> changes;
  query.each(session, [&](const soci::row& row) {
    Change change;
    change.position = FeedPosition{db::int_at(row, 0), db::int_at(row, 1)};
    change.source = source;
    change.key = db::text_at(row, 2);
    change.document = db::optional_text_at(row, 3);
    change.created_at = db::int_at(row, 4);
    changes.push_back(std::move(change));
  });
  return changes;
}

FeedLag SqlChangeFeed::lag(const std::string& source, const FeedPosition& after) {
  soci::session session(database_.pool());
  db::SqlQuery query("SELECT COUNT(*), MIN(created_at)");
  query.append(after_condition(query, source, after));
  FeedLag lag;
  query.each(session, [&](const soci::row& row) {
    lag.changes = db::int_at(row, 0);
    lag.oldest_at = db::optional_int_at(row, 1);
  });
  return lag;
}

const char* SqlChangeFeed::after_condition(db::SqlQuery& query, const std::string& source,
                                           const FeedPosition& after) const {
  query.text("source", source).integer("after_position", after.sequence);
  if (database_.dialect() == db::Dialect::sqlite) return kSqliteAfter;
  query.integer("after_txn", after.transaction);
  return kPostgresAfter;
}

}  // namespace orchestra::changes
