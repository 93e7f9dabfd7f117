#include "reindex_store.hpp"

#include <orchestra/clock.hpp>
#include <orchestra/sql_query.hpp>

namespace search_indexer {
namespace {

using orchestra::changes::FeedPosition;
using orchestra::db::int_at;
using orchestra::db::optional_int_at;
using orchestra::db::optional_text_at;
using orchestra::db::SqlQuery;
using orchestra::db::text_at;

std::optional<ReindexStatus> read_status(soci::session& session, const std::string& source) {
  std::optional<ReindexStatus> status;
  SqlQuery("SELECT state, position, built, requested_at, finished_at, error FROM "
           "search_reindex WHERE source = :source")
      .text("source", source)
      .each(session, [&](const soci::row& row) {
        status = ReindexStatus{source, text_at(row, 0), text_at(row, 1), int_at(row, 2),
                               int_at(row, 3), optional_int_at(row, 4),
                               optional_text_at(row, 5)};
      });
  return status;
}

}  // namespace

ReindexStatus ReindexStore::request(const std::string& source) {
  soci::session session(database_.pool());
  orchestra::db::WriteTransaction transaction(session, database_.dialect());
  auto current = read_status(session, source);
  if (current && (current->state == "building" || current->state == "ready")) return *current;
  SqlQuery("DELETE FROM search_reindex_documents WHERE source = :source")
      .text("source", source)
      .execute(session);
  SqlQuery("INSERT INTO search_reindex (source, state, position, built, requested_at) VALUES "
           "(:source, 'building', '0.0', 0, :now) ON CONFLICT (source) DO UPDATE SET state = "
           "'building', position = '0.0', built = 0, requested_at = excluded.requested_at, "
           "finished_at = NULL, failures = 0, error = NULL")
      .text("source", source)
      .integer("now", orchestra::unix_ms())
      .execute(session);
  auto started = read_status(session, source);
  transaction.commit();
  return *started;
}

std::optional<ReindexStatus> ReindexStore::status(const std::string& source) {
  soci::session session(database_.pool());
  return read_status(session, source);
}

std::vector<std::string> ReindexStore::building() {
  soci::session session(database_.pool());
  std::vector<std::string> sources;
  SqlQuery("SELECT source FROM search_reindex WHERE state = 'building' ORDER BY source")
      .each(session, [&](const soci::row& row) { sources.push_back(text_at(row, 0)); });
  return sources;
}

bool ReindexStore::add(soci::session& session, const std::string& source,
                       const FeedPosition& from, const FeedPosition& to,
                       const std::vector<RebuiltDocument>& documents) {
  auto moved = SqlQuery("UPDATE search_reindex SET position = :to, built = built + :count "
                        "WHERE source = :source AND state = 'building' AND position = :from")
                   .text("to", to.text())
                   .integer("count", static_cast<std::int64_t>(documents.size()))
                   .text("source", source)
                   .text("from", from.text())
                   .execute(session);
  if (moved == 0) return false;
  std::string key, payload;
  long long txn = 0, seq = 0;
  soci::indicator payload_null = soci::i_ok;
  soci::statement upsert =
      (session.prepare << "INSERT INTO search_reindex_documents (source, key, txn, seq, "
                          "payload) VALUES (:source, :key, :txn, :seq, :payload) ON CONFLICT "
                          "(source, key) DO UPDATE SET txn = excluded.txn, seq = excluded.seq, "
                          "payload = excluded.payload",
       soci::use(source), soci::use(key), soci::use(txn), soci::use(seq),
       soci::use(payload, payload_null));
  for (const auto& document : documents) {
    key = document.key;
    txn = document.position.transaction;
    seq = document.position.sequence;
    payload = document.payload.value_or("");
    payload_null = document.payload ? soci::i_ok : soci::i_null;
    upsert.execute(true);
  }
  return true;
}

bool ReindexStore::mark_ready(const std::string& source, const FeedPosition& at) {
  soci::session session(database_.pool());
  return SqlQuery("UPDATE search_reindex SET state = 'ready' WHERE source = :source AND "
                  "state = 'building' AND position = :at")
             .text("source", source)
             .text("at", at.text())
             .execute(session) > 0;
}

std::vector<RebuiltDocument> ReindexStore::documents(soci::session& session,
                                                     const std::string& source,
                                                     const std::string& after_key, int limit) {
  std::vector<RebuiltDocument> out;
  SqlQuery("SELECT key, txn, seq, payload FROM search_reindex_documents WHERE source = :source "
           "AND key > :after ORDER BY key LIMIT :limit")
      .text("source", source)
      .text("after", after_key)
      .integer("limit", limit)
      .each(session, [&](const soci::row& row) {
        out.push_back(RebuiltDocument{text_at(row, 0), FeedPosition{int_at(row, 1), int_at(row, 2)},
                                      optional_text_at(row, 3)});
      });
  return out;
}

bool ReindexStore::finish(soci::session& session, const std::string& source) {
  auto switched = SqlQuery("UPDATE search_reindex SET state = 'switched', finished_at = :now, "
                           "error = NULL WHERE source = :source AND state = 'ready'")
                      .integer("now", orchestra::unix_ms())
                      .text("source", source)
                      .execute(session);
  if (switched == 0) return false;
  SqlQuery("DELETE FROM search_reindex_documents WHERE source = :source")
      .text("source", source)
      .execute(session);
  return true;
}

void ReindexStore::switch_failed(const std::string& source, const std::string& error,
                                 int attempts) {
  soci::session session(database_.pool());
  orchestra::db::WriteTransaction transaction(session, database_.dialect());
  SqlQuery("UPDATE search_reindex SET failures = failures + 1, error = :error WHERE source = "
           ":source AND state = 'ready'")
      .text("error", error)
      .text("source", source)
      .execute(session);
  auto failed = SqlQuery("UPDATE search_reindex SET state = 'failed', finished_at = :now WHERE "
                         "source = :source AND state = 'ready' AND failures >= :attempts")
                    .integer("now", orchestra::unix_ms())
                    .text("source", source)
                    .integer("attempts", attempts)
                    .execute(session);
  if (failed > 0) {
    SqlQuery("DELETE FROM search_reindex_documents WHERE source = :source")
        .text("source", source)
        .execute(session);
  }
  transaction.commit();
}

}  // namespace search_indexer
