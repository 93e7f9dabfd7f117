#include "postgres_index.hpp"

#include "index_sql.hpp"

#include <fmt/format.h>

#include <cctype>

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

// One term as a tsquery, binding its text as `name`.
std::string term_tsquery(SqlQuery& query, const QueryTerm& term, const std::string& name) {
  if (term.phrase) {
    query.text(name, term.text);
    return fmt::format("phraseto_tsquery('orchestra_search', :{})", name);
  }
  if (term.prefix && !prefix_of(term.text).empty()) {
    query.text(name, prefix_of(term.text));
    return fmt::format("to_tsquery('orchestra_search', quote_literal(:{}) || ':*')", name);
  }
  query.text(name, term.text);
  return fmt::format("plainto_tsquery('orchestra_search', :{})", name);
}

// The terms as one tsquery: all must match, none excluded; with
// `corrected`, each word also as any of its corrections.
std::string terms_tsquery(SqlQuery& query, const std::vector<QueryTerm>& terms,
                          const std::string& prefix, bool corrected) {
  std::string expression;
  for (std::size_t i = 0; i < terms.size(); ++i) {
    const auto& term = terms[i];
    auto name = fmt::format("{}{}", prefix, i);
    auto atom = term_tsquery(query, term, name);
    if (corrected && !term.corrections.empty()) {
      for (std::size_t j = 0; j < term.corrections.size(); ++j) {
        auto correction = fmt::format("{}c{}", name, j);
        query.text(correction, term.corrections[j]);
        atom += fmt::format(" || plainto_tsquery('orchestra_search', :{})", correction);
      }
      atom = "(" + atom + ")";
    }
    if (term.excluded) atom = "!!" + atom;
    expression += (expression.empty() ? "" : " && ") + atom;
  }
  return expression;
}

// "(SELECT <tsquery> AS q, <tsquery as typed> AS exact) query".
std::string tsquery_source(SqlQuery& query, const std::vector<QueryTerm>& terms) {
  return "(SELECT " + terms_tsquery(query, terms, "t", true) + " AS q, " +
         terms_tsquery(query, terms, "e", false) + " AS exact) query";
}

}  // namespace

void PostgresIndex::write(soci::session& session, const std::vector<IndexWrite>& writes) {
  remember_words(writes);
  write_documents(session, writes);
}

void PostgresIndex::remember_words(const std::vector<IndexWrite>& writes) {
  // In a session of its own, committed at once and in word order: no lock
  // on a new word is held through the caller's transaction (a reindex's
  // switch is long), and concurrent loads never wait on each other in a
  // cycle. A word whose document is then not written only costs a
  // correction that matches nothing.
  constexpr std::size_t kChunk = 256 * 1024;  // well below tsvector's 1 MB
  soci::session words(database_.pool());
  std::string text;
  auto flush = [&] {
    if (text.empty()) return;
    SqlQuery("INSERT INTO search_words (word) SELECT DISTINCT word FROM unnest(tsvector_to_array("
             "to_tsvector('orchestra_search', :text))) AS word ORDER BY word ON CONFLICT DO "
             "NOTHING")
        .text("text", text)
        .execute(words);
    text.clear();
  };
  for (const auto& change : writes) {
    if (!change.document) continue;
    text += change.document->title + '\n' + change.document->body + '\n';
    if (text.size() > kChunk) flush();
  }
  flush();
}

SearchResult PostgresIndex::search(const SearchRequest& plain) {
  soci::session session(database_.pool());
  auto request = plain;
  add_corrections(session,
                  "SELECT word FROM search_words WHERE word >= :first AND word < :after",
                  request);
  // Documents matching the words as typed come before corrected ones.
  SqlQuery query("SELECT id, score, corrected FROM (SELECT d.id, CAST(ROUND(-ts_rank_cd("
                 "d.searchable, q) * 1e9) AS BIGINT) AS score, CASE WHEN d.searchable @@ "
                 "exact THEN 0 ELSE 1 END AS corrected FROM search_documents d, ");
  query.append(tsquery_source(query, request.terms)).append(" WHERE d.searchable @@ q");
  add_filter_conditions(query, request);
  auto page = read_ranked_page(session, std::move(query), request);
  SearchResult result;
  SqlQuery details("SELECT d.id, d.source, d.key, d.stored, ts_headline('orchestra_search', "
                   "d.title, q, 'HighlightAll=true, StartSel=' || chr(1) || ', StopSel=' || "
                   "chr(2)), ts_headline('orchestra_search', d.body, q, 'MaxWords=24, "
                   "MinWords=8, StartSel=' || chr(1) || ', StopSel=' || chr(2)) FROM "
                   "search_documents d, ");
  details.append(tsquery_source(details, request.terms)).append(" WHERE d.id IN (");
  details.integers_in("i", page.ids).append(")");
  collect_hits(session, std::move(details), page, request.limit, result);
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
