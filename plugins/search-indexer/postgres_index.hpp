#pragma once
// The index on PostgreSQL (sql/search-indexer/0002_index.postgres): a
// tsvector per document (title weight A, body B) in a configuration that
// folds case and diacritics, a GIN index, ts_rank_cd for relevance and
// ts_headline for highlights. Words, phrases, exclusions, the last word as
// a prefix and typo tolerance (from a table of the index's words), as on
// SQLite.

#include "index_backend.hpp"

#include <orchestra/db.hpp>

namespace search_indexer {

class PostgresIndex final : public IndexBackend {
 public:
  explicit PostgresIndex(orchestra::db::Database& database) : database_(database) {}
  void write(soci::session& session, const std::vector<IndexWrite>& writes) override;
  SearchResult search(const SearchRequest& request) override;
  std::int64_t count(const std::string& source) override;
  bool reachable() override;

 private:
  void remember_words(const std::vector<IndexWrite>& writes);

  orchestra::db::Database& database_;
};

}  // namespace search_indexer
