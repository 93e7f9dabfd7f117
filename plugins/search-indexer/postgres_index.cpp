#include "postgres_index.hpp"

#include "index_sql.hpp"


#include <fmt/format.h>

#include <cctype>
#include <map>

namespace search_indexer {
namespace {

using orchestra::db::SqlQuery;

// Letters and digits of a word typed so far (to_tsquery reads operators
// in anything else).
std::string prefix_of(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c >= 0x80) out += static_cast<char>(c);
  }
  return out;
}

// "(SELECT <tsquery> AS q) query", binding each term's text.
std::string tsquery_source(SqlQuery& query, const std::vector<QueryTerm>& terms) {
  std::string expression;
  for (std::size_t i = 0; i < terms.size(); ++i) {
    const auto& term = terms[i];
    auto name = fmt::format("t{}", i);
    std::string atom;
    if (term.phrase) {
      atom = fmt::format("phraseto_tsquery('orchestra_search', :{})", name);
      query.text(name, term.text);
    } else if (term.prefix && !prefix_of(term.text).empty()) {
      atom = fmt::format("to_tsquery('orchestra_search', quote_literal(:{}) || ':*')", name);
      query.text(name, prefix_of(term.text));
    } else {
      atom = fmt::format("plainto_tsquery('orchestra_search', :{})", name);
      query.text(name, term.text);
    }
    if (term.excluded) atom = "!!" + atom;
    expression += (expression.empty() ? "" : " && ") + atom;
  }
  return "(SELECT " + expression + " AS q) query";
}

}  // namespace

void PostgresIndex::write(soci::session& session, const std::vector<IndexWrite>& writes) {
  write_documents(session, writes);
}

SearchResult PostgresIndex::search(const SearchRequest& request) {
  soci::session session(database_.pool());
  SqlQuery query("SELECT id, score, corrected FROM (SELECT d.id, CAST(ROUND(-ts_rank_cd("
                 "d.searchable, q) * 1e9) AS BIGINT) AS score, 0 AS corrected FROM "
                 "search_documents d, ");
  query.append(tsquery_source(query, request.terms)).append(" WHERE d.searchable @@ q");
  add_filter_conditions(query, request);
  query.append(") ranked WHERE 1 = 1");
  add_cursor_condition(query, request.cursor);
  query.append(" ORDER BY corrected, score, id LIMIT :limit").integer("limit", request.limit);
  SearchResult result;
  std::vector<std::int64_t> ids;
  std::map<std::int64_t, std::int64_t> scores;
  query.each(session, [&](const soci::row& row) {
    auto id = orchestra::db::int_at(row, 0);
    scores[id] = orchestra::db::int_at(row, 1);
    ids.push_back(id);
  });
  SqlQuery details("SELECT d.id, d.source, d.key, d.stored, ts_headline('orchestra_search', "
                   "d.title, q, 'HighlightAll=true, StartSel=' || chr(1) || ', StopSel=' || "
                   "chr(2)), ts_headline('orchestra_search', d.body, q, 'MaxWords=24, "
                   "MinWords=8, StartSel=' || chr(1) || ', StopSel=' || chr(2)) FROM "
                   "search_documents d, ");
  details.append(tsquery_source(details, request.terms)).append(" WHERE d.id IN (");
  details.integers_in("i", ids).append(")");
  collect_hits(session, std::move(details), ids, scores, 0, request.limit, result);
  count_facets(session, request, [&] {
    SqlQuery counts("SELECT f.value, COUNT(*) FROM search_filters f WHERE f.name = :facet AND "
                    "f.document_id IN (SELECT d.id FROM search_documents d, ");
    counts.append(tsquery_source(counts, request.terms)).append(" WHERE d.searchable @@ q");
    add_filter_conditions(counts, request);
    return counts;
  }, result);
  return result;
}

std::int64_t PostgresIndex::count(const std::string& source) {
  return count_documents(database_, source);
}

bool PostgresIndex::reachable() { return database_reachable(database_); }

}  // namespace search_indexer
