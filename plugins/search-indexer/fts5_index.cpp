#include "fts5_index.hpp"

#include "index_sql.hpp"

#include <orchestra/sql_query.hpp>

namespace search_indexer {
namespace {

using orchestra::db::SqlQuery;

std::string quoted(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

// The WHERE conditions every search and facet query shares.
void add_conditions(SqlQuery& query, const SearchRequest& request) {
  query.text("match", fts5_expression(request.terms));
  add_filter_conditions(query, request);
}

}  // namespace

std::string fts5_expression(const std::vector<QueryTerm>& terms) {
  std::string wanted, unwanted;
  for (const auto& term : terms) {
    auto atom = quoted(term.text) + (term.prefix ? "*" : "");
    if (!term.corrections.empty()) {
      atom = "(" + atom;
      for (const auto& correction : term.corrections) atom += " OR " + quoted(correction);
      atom += ")";
    }
    auto& side = term.excluded ? unwanted : wanted;
    side += (side.empty() ? "" : term.excluded ? " OR " : " AND ") + atom;
  }
  return unwanted.empty() ? wanted : "(" + wanted + ") NOT (" + unwanted + ")";
}

void Fts5Index::write(soci::session& session, const std::vector<IndexWrite>& writes) {
  write_documents(session, writes);
}

SearchResult Fts5Index::search(const SearchRequest& plain) {
  soci::session session(database_.pool());
  auto request = plain;
  bool corrected = add_corrections(
      session, "SELECT term FROM search_vocabulary WHERE term >= :first AND term < :after",
      request);
  // Documents matching the words as typed come before corrected ones. The
  // page is chosen on scores alone; highlights are made for its hits only.
  // Without conditions on the documents, the ranking needs the FTS index
  // alone (a third faster than joining every match).
  bool plain_text = !request.source && request.filters.empty();
  SqlQuery query(std::string(
      "SELECT id, score, corrected FROM (SELECT search_fts.rowid AS id, "
      "CAST(ROUND(bm25(search_fts, 10.0, 1.0) * 1e9) AS INTEGER) AS score, ") +
      (corrected ? "CASE WHEN search_fts.rowid IN (SELECT rowid FROM search_fts WHERE "
                   "search_fts MATCH :exact) THEN 0 ELSE 1 END"
                 : "0") +
      " AS corrected FROM search_fts " +
      (plain_text ? "" : "JOIN search_documents d ON d.id = search_fts.rowid ") +
      "WHERE search_fts MATCH :match");
  if (corrected) query.text("exact", fts5_expression(plain.terms));
  add_conditions(query, request);
  auto page = read_ranked_page(session, std::move(query), request);
  SearchResult result;
  SqlQuery details(
      "SELECT d.id, d.source, d.key, d.stored, highlight(search_fts, 0, char(1), char(2)), "
      "snippet(search_fts, 1, char(1), char(2), '…', 16) FROM search_fts JOIN "
      "search_documents d ON d.id = search_fts.rowid WHERE search_fts MATCH :match AND "
      "search_fts.rowid IN (");
  details.integers_in("i", page.ids).append(")").text("match", fts5_expression(request.terms));
  collect_hits(session, std::move(details), page, request.limit, result);
  count_facets(session, request, [&] {
    SqlQuery counts(
        "SELECT f.value, COUNT(*) FROM search_filters f WHERE f.name = :facet AND "
        "f.document_id IN (SELECT d.id FROM search_fts JOIN search_documents d ON "
        "d.id = search_fts.rowid WHERE search_fts MATCH :match");
    add_conditions(counts, request);
    return counts;
  }, result);
  return result;
}

std::int64_t Fts5Index::count(const std::string& source) {
  return count_documents(database_, source);
}

bool Fts5Index::reachable() { return database_reachable(database_); }

}  // namespace search_indexer
