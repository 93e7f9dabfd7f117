#include "pipeline_store.hpp"

#include <orchestra/clock.hpp>
#include <orchestra/json.hpp>
#include <orchestra/sql_query.hpp>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <sodium.h>

#include <array>

namespace search_indexer {
namespace {

using orchestra::db::int_at;
using orchestra::db::optional_text_at;
using orchestra::db::SqlQuery;
using orchestra::db::text_at;

std::string new_id() {
  std::array<unsigned char, 12> bytes;
  randombytes_buf(bytes.data(), bytes.size());
  std::array<char, 25> hex;
  sodium_bin2hex(hex.data(), hex.size(), bytes.data(), bytes.size());
  return std::string("dead_") + hex.data();
}

void ensure_checkpoint(soci::session& session, const std::string& source) {
  SqlQuery("INSERT INTO search_checkpoints (source, position, updated_at) VALUES (:source, "
           "'0.0', :now) ON CONFLICT (source) DO NOTHING")
      .text("source", source)
      .integer("now", orchestra::unix_ms())
      .execute(session);
}

std::int64_t count_of(soci::session& session, SqlQuery query) {
  std::int64_t count = 0;
  query.each(session, [&](const soci::row& row) { count = int_at(row, 0); });
  return count;
}

}  // namespace

orchestra::changes::FeedPosition PipelineStore::checkpoint(const std::string& source) {
  soci::session session(database_.pool());
  std::string position = "0.0";
  SqlQuery("SELECT position FROM search_checkpoints WHERE source = :source")
      .text("source", source)
      .each(session, [&](const soci::row& row) { position = text_at(row, 0); });
  return orchestra::changes::FeedPosition::parse(position);
}

std::int64_t PipelineStore::next_seq(soci::session& session, const std::string& source,
                                     std::int64_t count) {
  std::int64_t first = 0;
  SqlQuery("UPDATE search_checkpoints SET next_seq = next_seq + :count WHERE source = :source "
           "RETURNING next_seq - :again")
      .integer("count", count)
      .integer("again", count)
      .text("source", source)
      .each(session, [&](const soci::row& row) { first = int_at(row, 0); });
  return first;
}

bool PipelineStore::extract(soci::session& session, const std::string& source,
                            const orchestra::changes::FeedPosition& from,
                            const std::vector<orchestra::changes::Change>& changes) {
  if (changes.empty()) return true;
  ensure_checkpoint(session, source);
  auto moved = SqlQuery("UPDATE search_checkpoints SET position = :to, extracted = extracted + "
                        ":count, updated_at = :now WHERE source = :source AND position = :from")
                   .text("to", changes.back().position.text())
                   .integer("count", static_cast<std::int64_t>(changes.size()))
                   .integer("now", orchestra::unix_ms())
                   .text("source", source)
                   .text("from", from.text())
                   .execute(session);
  if (moved == 0) return false;
  auto seq = next_seq(session, source, static_cast<std::int64_t>(changes.size()));
  std::string key, position, payload;
  long long row_seq = 0, now = orchestra::unix_ms();
  soci::indicator payload_null = soci::i_ok;
  soci::statement insert =
      (session.prepare << "INSERT INTO search_staged (source, seq, position, key, stage, "
                          "payload, created_at) VALUES (:source, :seq, :position, :key, "
                          "'extracted', :payload, :now)",
       soci::use(source), soci::use(row_seq), soci::use(position), soci::use(key),
       soci::use(payload, payload_null), soci::use(now));
  for (const auto& change : changes) {
    row_seq = seq++;
    position = change.position.text();
    key = change.key;
    payload = change.document.value_or("");
    payload_null = change.document ? soci::i_ok : soci::i_null;
    insert.execute(true);
  }
  return true;
}

std::vector<Staged> PipelineStore::staged(const std::string& source, const std::string& stage,
                                          int limit) {
  soci::session session(database_.pool());
  std::vector<Staged> out;
  SqlQuery("SELECT seq, position, key, payload FROM search_staged WHERE source = :source AND "
           "stage = :stage ORDER BY seq LIMIT :limit")
      .text("source", source)
      .text("stage", stage)
      .integer("limit", limit)
      .each(session, [&](const soci::row& row) {
        out.push_back(Staged{int_at(row, 0), text_at(row, 1), text_at(row, 2),
                             optional_text_at(row, 3)});
      });
  return out;
}

std::int64_t PipelineStore::transformed(
    soci::session& session, const std::string& source,
    const std::vector<std::pair<std::int64_t, std::optional<std::string>>>& documents) {
  std::string payload;
  soci::indicator payload_null = soci::i_ok;
  long long seq = 0;
  soci::statement update =
      (session.prepare << "UPDATE search_staged SET stage = 'transformed', payload = :payload "
                          "WHERE source = :source AND seq = :seq AND stage = 'extracted'",
       soci::use(payload, payload_null), soci::use(source), soci::use(seq));
  std::int64_t changed = 0;
  for (const auto& [row_seq, document] : documents) {
    seq = row_seq;
    payload = document.value_or("");
    payload_null = document ? soci::i_ok : soci::i_null;
    update.execute(true);
    changed += update.get_affected_rows();
  }
  return changed;
}

std::vector<Staged> PipelineStore::take_for_load(soci::session& session,
                                                 const std::string& source,
                                                 const std::vector<Staged>& changes) {
  long long seq = 0;
  soci::statement take =
      (session.prepare << "DELETE FROM search_staged WHERE source = :source AND seq = :seq AND "
                          "stage = 'transformed'",
       soci::use(source), soci::use(seq));
  std::vector<Staged> taken;
  for (const auto& change : changes) {
    seq = change.seq;
    take.execute(true);
    if (take.get_affected_rows() > 0) taken.push_back(change);
  }
  return taken;
}

std::vector<Staged> PipelineStore::newer_than_applied(soci::session& session,
                                                      const std::string& source,
                                                      const std::vector<Staged>& changes,
                                                      Applied wanted) {
  std::string key;
  long long txn = 0, seq = 0, applied_txn = 0, applied_seq = 0;
  soci::indicator found = soci::i_null;
  soci::statement read =
      (session.prepare << "SELECT txn, seq FROM search_applied WHERE source = :source AND "
                          "key = :key",
       soci::use(source), soci::use(key), soci::into(applied_txn, found),
       soci::into(applied_seq));
  soci::statement record =
      (session.prepare << "INSERT INTO search_applied (source, key, txn, seq) VALUES (:source, "
                          ":key, :txn, :seq) ON CONFLICT (source, key) DO UPDATE SET txn = "
                          "excluded.txn, seq = excluded.seq",
       soci::use(source), soci::use(key), soci::use(txn), soci::use(seq));
  std::vector<Staged> newer;
  for (const auto& change : changes) {
    auto position = orchestra::changes::FeedPosition::parse(change.position);
    key = change.key;
    found = soci::i_null;
    read.execute(true);
    if (found == soci::i_ok) {
      orchestra::changes::FeedPosition applied{applied_txn, applied_seq};
      if (applied > position || (applied == position && wanted == Applied::newer)) continue;
    }
    txn = position.transaction;
    seq = position.sequence;
    record.execute(true);
    newer.push_back(change);
  }
  return newer;
}

void PipelineStore::count_indexed(soci::session& session, const std::string& source,
                                  std::int64_t count) {
  SqlQuery("UPDATE search_checkpoints SET indexed = indexed + :count, last_error = NULL, "
           "updated_at = :now WHERE source = :source")
      .integer("count", count)
      .integer("now", orchestra::unix_ms())
      .text("source", source)
      .execute(session);
}

bool PipelineStore::to_dead(soci::session& session, const std::string& source,
                            const Staged& change, const std::string& stage,
                            const std::string& error) {
  if (stage == "transform") {
    auto taken = SqlQuery("DELETE FROM search_staged WHERE source = :source AND seq = :seq AND "
                          "stage = 'extracted'")
                     .text("source", source)
                     .integer("seq", change.seq)
                     .execute(session);
    if (taken == 0) return false;
  }
  if (stage == "reindex") {
    // Each rebuild meets the same failure again: listed once.
    std::int64_t listed = 0;
    SqlQuery("SELECT COUNT(*) FROM search_dead WHERE source = :source AND key = :key AND "
             "position = :position")
        .text("source", source)
        .text("key", change.key)
        .text("position", change.position)
        .each(session, [&](const soci::row& row) { listed = int_at(row, 0); });
    if (listed > 0) return false;
  }
  soci::indicator payload_null = change.payload ? soci::i_ok : soci::i_null;
  std::string payload = change.payload.value_or(""), id = new_id();
  long long now = orchestra::unix_ms();
  session << "INSERT INTO search_dead (id, source, key, position, stage, error, payload, "
             "created_at) VALUES (:id, :source, :key, :position, :stage, :error, :payload, :now)",
      soci::use(id), soci::use(source), soci::use(change.key), soci::use(change.position),
      soci::use(stage), soci::use(error), soci::use(payload, payload_null), soci::use(now);
  return true;
}

void PipelineStore::note_error(const std::string& source, const std::optional<std::string>& error) {
  soci::session session(database_.pool());
  SqlQuery("UPDATE search_checkpoints SET last_error = NULLIF(:error, '') WHERE source = :source")
      .text("error", error.value_or(""))
      .text("source", source)
      .execute(session);
}

std::vector<DeadDocument> PipelineStore::dead(const std::string& source, int limit) {
  soci::session session(database_.pool());
  std::vector<DeadDocument> out;
  SqlQuery("SELECT id, source, key, position, stage, error, created_at FROM search_dead WHERE "
           "source = :source ORDER BY created_at DESC, id LIMIT :limit")
      .text("source", source)
      .integer("limit", limit)
      .each(session, [&](const soci::row& row) {
        out.push_back(DeadDocument{text_at(row, 0), text_at(row, 1), text_at(row, 2),
                                   text_at(row, 3), text_at(row, 4), text_at(row, 5),
                                   int_at(row, 6)});
      });
  return out;
}

bool PipelineStore::revive(const std::string& id) {
  soci::session session(database_.pool());
  orchestra::db::WriteTransaction transaction(session, database_.dialect());
  std::optional<std::pair<DeadDocument, std::optional<std::string>>> found;
  SqlQuery("SELECT id, source, key, position, stage, error, created_at, payload FROM "
           "search_dead WHERE id = :id")
      .text("id", id)
      .each(session, [&](const soci::row& row) {
        found.emplace(DeadDocument{text_at(row, 0), text_at(row, 1), text_at(row, 2),
                                   text_at(row, 3), text_at(row, 4), text_at(row, 5),
                                   int_at(row, 6)},
                      optional_text_at(row, 7));
      });
  if (!found) return false;
  const auto& [document, payload] = *found;
  ensure_checkpoint(session, document.source);
  auto seq = next_seq(session, document.source, 1);
  soci::indicator payload_null = payload ? soci::i_ok : soci::i_null;
  std::string text = payload.value_or("");
  // A load death holds the search document already made.
  std::string stage = document.stage == "load" ? "transformed" : "extracted";
  long long row_seq = seq, now = orchestra::unix_ms();
  if (SqlQuery("DELETE FROM search_dead WHERE id = :id").text("id", id).execute(session) == 0) {
    return false;  // revived by another request meanwhile
  }
  session << "INSERT INTO search_staged (source, seq, position, key, stage, payload, "
             "created_at) VALUES (:source, :seq, :position, :key, :stage, :payload, :now)",
      soci::use(document.source), soci::use(row_seq), soci::use(document.position),
      soci::use(document.key), soci::use(stage), soci::use(text, payload_null), soci::use(now);
  transaction.commit();
  return true;
}

SourceStatus PipelineStore::status(const std::string& source) {
  soci::session session(database_.pool());
  SourceStatus status;
  status.source = source;
  status.position = "0.0";  // nothing extracted yet
  SqlQuery("SELECT position, extracted, indexed, last_error, updated_at FROM "
           "search_checkpoints WHERE source = :source")
      .text("source", source)
      .each(session, [&](const soci::row& row) {
        status.position = text_at(row, 0);
        status.extracted = int_at(row, 1);
        status.indexed = int_at(row, 2);
        status.last_error = optional_text_at(row, 3);
        status.updated_at = int_at(row, 4);
      });
  auto staged_count = [&](const char* stage) {
    return count_of(session, SqlQuery("SELECT COUNT(*) FROM search_staged WHERE source = "
                                      ":source AND stage = :stage")
                                 .text("source", source)
                                 .text("stage", stage));
  };
  status.waiting_transform = staged_count("extracted");
  status.waiting_load = staged_count("transformed");
  status.dead = count_of(session, SqlQuery("SELECT COUNT(*) FROM search_dead WHERE source = "
                                           ":source")
                                      .text("source", source));
  return status;
}

std::string document_payload(const SearchDocument& document) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> out(buffer);
  out.StartObject();
  out.Key("title");
  out.String(document.title);
  out.Key("body");
  out.String(document.body);
  out.Key("stored");
  out.RawValue(document.stored.data(), document.stored.size(), rapidjson::kObjectType);
  out.Key("filters");
  out.StartArray();
  for (const auto& [name, value] : document.filters) {
    out.StartArray();
    out.String(name);
    out.String(value);
    out.EndArray();
  }
  out.EndArray();
  out.EndObject();
  return buffer.GetString();
}

SearchDocument read_document_payload(const std::string& source, const std::string& key,
                                     const std::string& payload) {
  rapidjson::Document document;
  document.Parse(payload.c_str(), payload.size());
  if (!document.IsObject() || !document.HasMember("title") || !document["title"].IsString() ||
      !document.HasMember("body") || !document["body"].IsString() ||
      !document.HasMember("stored") || !document.HasMember("filters") ||
      !document["filters"].IsArray()) {
    throw std::invalid_argument("a staged search document is malformed");
  }
  SearchDocument out{source, key, document["title"].GetString(), document["body"].GetString(),
                     orchestra::json::to_string(document["stored"]), {}};
  for (const auto& pair : document["filters"].GetArray()) {
    if (pair.IsArray() && pair.Size() == 2 && pair[0].IsString() && pair[1].IsString()) {
      out.filters.emplace_back(pair[0].GetString(), pair[1].GetString());
    }
  }
  return out;
}

}  // namespace search_indexer
