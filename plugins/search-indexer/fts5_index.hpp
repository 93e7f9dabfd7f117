#pragma once
// The embedded index: SQLite FTS5 (sql/search-indexer/0002_index.sqlite).
// bm25 ranks with the title weighted 10 to the body's 1; case and
// diacritics are folded by the unicode61 tokenizer; the last word of a
// query matches as a prefix; words of 5+ characters (9+) also match
// indexed words one (two) typos away (the last word also as a whole word),
// ranked after exact matches; pages
// continue from (rank, score, id).

#include "index_backend.hpp"

#include <orchestra/db.hpp>

namespace search_indexer {

class Fts5Index final : public IndexBackend {
 public:
  explicit Fts5Index(orchestra::db::Database& database) : database_(database) {}
  void write(soci::session& session, const std::vector<IndexWrite>& writes) override;
  SearchResult search(const SearchRequest& request) override;
  std::int64_t count(const std::string& source) override;
  bool reachable() override;

 private:
  orchestra::db::Database& database_;
};

// The FTS5 MATCH expression of parsed terms, every term quoted.
std::string fts5_expression(const std::vector<QueryTerm>& terms);

}  // namespace search_indexer
