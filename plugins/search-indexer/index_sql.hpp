#pragma once
// What the database-backed indexes share: filter conditions, the filter
// table, facet counts, page cursors and highlights as HTML.

#include "index_backend.hpp"

#include <orchestra/db.hpp>
#include <orchestra/sql_query.hpp>

#include <map>
#include <tuple>

namespace search_indexer {

// Appends " AND ..." conditions on `d` (search_documents) for the
// request's source and filters.
void add_filter_conditions(orchestra::db::SqlQuery& query, const SearchRequest& request);

// Writes documents and their filter values to search_documents and
// search_filters, in order; the full-text index follows by triggers.
void write_documents(soci::session& session, const std::vector<IndexWrite>& writes);

// Sets each plain word's corrections (typo tolerance) from the index's
// words: `vocabulary` selects them in a range, "... >= :first AND ... <
// :after". True when any word has one.
bool add_corrections(soci::session& session, const char* vocabulary, SearchRequest& request);

// Counts per facet value among the documents `matching` (a SELECT of
// document ids, with its parameters already in `matching`'s query).
void count_facets(soci::session& session, const SearchRequest& request,
                  const std::function<orchestra::db::SqlQuery()>& matching_ids,
                  SearchResult& result);

// Scores are integers (billionths), lower is better, so that a page
// cursor compares exactly: "<rank>:<score>:<id>", rank 0 for documents
// matching the words as typed, 1 for corrected ones.
std::tuple<std::int64_t, std::int64_t, std::int64_t> read_cursor(const std::string& cursor);
inline constexpr double kScoreScale = 1e9;
// One page of ranked documents: their ids in rank order, each one's score,
// and the rank (0 as typed, 1 corrected) of the last.
struct RankedPage {
  std::vector<std::int64_t> ids;
  std::map<std::int64_t, std::int64_t> scores;
  std::int64_t last_rank = 0;
};

// Reads the request's page of `ranked`, a subquery the caller has opened
// ("SELECT id, score, corrected FROM (SELECT ..."): closes it, continues
// after the request's cursor and orders by corrected, score and id.
RankedPage read_ranked_page(soci::session& session, orchestra::db::SqlQuery ranked,
                            const SearchRequest& request);

// Highlighted text (matches between \x01 and \x02) as HTML.
std::string marked_html(const std::string& text);

// The page's hits, in rank order, from a query answering (id, source, key,
// stored, highlighted title, highlighted snippet) for the page's ids. Sets
// the result's next cursor when the page is full.
void collect_hits(soci::session& session, orchestra::db::SqlQuery details,
                  const RankedPage& page, int limit, SearchResult& result);

std::int64_t count_documents(orchestra::db::Database& database, const std::string& source);
bool database_reachable(orchestra::db::Database& database);

}  // namespace search_indexer
