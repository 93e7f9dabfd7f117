#include "index_sql.hpp"

#include "typo.hpp"

#include <orchestra/clock.hpp>
#include <orchestra/db.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <stdexcept>

namespace search_indexer {

using orchestra::db::SqlQuery;

void add_filter_conditions(SqlQuery& query, const SearchRequest& request) {
  if (request.source) query.append(" AND d.source = :source").text("source", *request.source);
  for (std::size_t i = 0; i < request.filters.size(); ++i) {
    const auto& filter = request.filters[i];
    auto name = fmt::format("fn{}", i);
    query.append(fmt::format(" AND d.id IN (SELECT document_id FROM search_filters WHERE "
                             "name = :{}",
                             name))
        .text(name, filter.name);
    if (!filter.values.empty()) {
      query.append(" AND value IN (").texts_in(fmt::format("fv{}_", i), filter.values).append(")");
    }
    if (filter.at_least) {
      auto bound = fmt::format("fmin{}", i);
      query.append(fmt::format(" AND value >= :{}", bound)).text(bound, *filter.at_least);
    }
    if (filter.at_most) {
      auto bound = fmt::format("fmax{}", i);
      query.append(fmt::format(" AND value <= :{}", bound)).text(bound, *filter.at_most);
    }
    query.append(")");
  }
}

void write_documents(soci::session& session, const std::vector<IndexWrite>& writes) {
  std::string source, key, title, body, stored, name, value;
  long long id = 0, now = orchestra::unix_ms();
  // Statements prepared once per batch; the values bound by reference
  // change per document.
  soci::statement upsert =
      (session.prepare << "INSERT INTO search_documents (source, key, title, body, stored, "
                          "updated_at) VALUES (:source, :key, :title, :body, :stored, :now) ON "
                          "CONFLICT (source, key) DO UPDATE SET title = excluded.title, body = "
                          "excluded.body, stored = excluded.stored, updated_at = "
                          "excluded.updated_at RETURNING id",
       soci::use(source), soci::use(key), soci::use(title), soci::use(body), soci::use(stored),
       soci::use(now), soci::into(id));
  soci::statement find = (session.prepare << "SELECT id FROM search_documents WHERE source = "
                                             ":source AND key = :key",
                          soci::use(source), soci::use(key), soci::into(id));
  soci::statement remove =
      (session.prepare << "DELETE FROM search_documents WHERE id = :id", soci::use(id));
  soci::statement clear_filters =
      (session.prepare << "DELETE FROM search_filters WHERE document_id = :id", soci::use(id));
  soci::statement add_filter =
      (session.prepare << "INSERT INTO search_filters (document_id, name, value) VALUES (:id, "
                          ":name, :value)",
       soci::use(id), soci::use(name), soci::use(value));
  for (const auto& change : writes) {
    source = change.source;
    key = change.key;
    if (change.document) {
      title = change.document->title;
      body = change.document->body;
      stored = change.document->stored;
      upsert.execute(true);
      clear_filters.execute(true);
      for (const auto& [filter, text] : change.document->filters) {
        name = filter;
        value = text;
        add_filter.execute(true);
      }
    } else if (find.execute(true)) {
      clear_filters.execute(true);
      remove.execute(true);
    }
  }
}

namespace {

// The closest words a query word may be corrected to, at most.
constexpr std::size_t kMaxCorrections = 10;

std::vector<std::string> corrections_of(soci::session& session, const char* vocabulary,
                                        const std::string& word) {
  auto folded = fold(word);
  auto allowed = typos_allowed(folded);
  if (allowed == 0) return {};
  // Candidates share the first letter: typos there are rare, and the
  // vocabulary is read as one range.
  auto first = to_utf8(folded.substr(0, 1));
  auto after = to_utf8(std::u32string(1, folded[0] + 1));
  std::vector<std::pair<int, std::string>> found;
  SqlQuery(vocabulary).text("first", first).text("after", after).each(session, [&](const soci::row& row) {
    auto term = orchestra::db::text_at(row, 0);
    auto distance = edit_distance(folded, fold(term), allowed);
    if (distance > 0 && distance <= allowed) found.emplace_back(distance, term);
  });
  std::sort(found.begin(), found.end());
  std::vector<std::string> out;
  for (std::size_t i = 0; i < found.size() && i < kMaxCorrections; ++i) {
    out.push_back(found[i].second);
  }
  return out;
}

}  // namespace

bool add_corrections(soci::session& session, const char* vocabulary, SearchRequest& request) {
  bool corrected = false;
  for (auto& term : request.terms) {
    if (term.excluded || term.phrase) continue;
    term.corrections = corrections_of(session, vocabulary, term.text);
    corrected = corrected || !term.corrections.empty();
  }
  return corrected;
}

void count_facets(soci::session& session, const SearchRequest& request,
                  const std::function<SqlQuery()>& matching_ids, SearchResult& result) {
  for (const auto& facet : request.facets) {
    auto counts = matching_ids();
    counts.append(") GROUP BY f.value ORDER BY COUNT(*) DESC, f.value LIMIT 50")
        .text("facet", facet);
    auto& values = result.facets[facet];
    counts.each(session, [&](const soci::row& row) {
      values.emplace_back(orchestra::db::text_at(row, 0), orchestra::db::int_at(row, 1));
    });
  }
}

std::tuple<std::int64_t, std::int64_t, std::int64_t> read_cursor(const std::string& cursor) {
  std::int64_t parts[3] = {0, 0, 0};
  std::string_view rest(cursor);
  for (int i = 0; i < 3; ++i) {
    auto colon = i < 2 ? rest.find(':') : rest.size();
    auto part = rest.substr(0, colon);
    auto [end, error] = std::from_chars(part.data(), part.data() + part.size(), parts[i]);
    if (colon == std::string_view::npos || error != std::errc{} ||
        end != part.data() + part.size()) {
      throw std::invalid_argument("the cursor is not one this search returned");
    }
    rest = i < 2 ? rest.substr(colon + 1) : std::string_view();
  }
  return {parts[0], parts[1], parts[2]};
}

RankedPage read_ranked_page(soci::session& session, SqlQuery ranked,
                            const SearchRequest& request) {
  ranked.append(") ranked WHERE 1 = 1");
  if (request.cursor) {
    auto [rank, score, id] = read_cursor(*request.cursor);
    ranked
        .append(" AND (corrected > :after_rank OR (corrected = :same_rank AND (score > "
                ":after_score OR (score = :same_score AND id > :after_id))))")
        .integer("after_rank", rank)
        .integer("same_rank", rank)
        .integer("after_score", score)
        .integer("same_score", score)
        .integer("after_id", id);
  }
  ranked.append(" ORDER BY corrected, score, id LIMIT :limit").integer("limit", request.limit);
  RankedPage page;
  ranked.each(session, [&](const soci::row& row) {
    auto id = orchestra::db::int_at(row, 0);
    page.scores[id] = orchestra::db::int_at(row, 1);
    page.last_rank = orchestra::db::int_at(row, 2);
    page.ids.push_back(id);
  });
  return page;
}

std::string marked_html(const std::string& text) {
  std::string out;
  out.reserve(text.size() + 16);
  for (char c : text) {
    switch (c) {
      case '\x01': out += "<mark>"; break;
      case '\x02': out += "</mark>"; break;
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

void collect_hits(soci::session& session, SqlQuery details, const RankedPage& page, int limit,
                  SearchResult& result) {
  const auto& [ids, scores, last_rank] = page;
  if (ids.empty()) return;
  std::map<std::int64_t, Hit> hits;
  details.each(session, [&](const soci::row& row) {
    auto id = orchestra::db::int_at(row, 0);
    hits[id] = Hit{orchestra::db::text_at(row, 1), orchestra::db::text_at(row, 2),
                   -static_cast<double>(scores.at(id)) / kScoreScale,
                   orchestra::db::text_at(row, 3), marked_html(orchestra::db::text_at(row, 4)),
                   marked_html(orchestra::db::text_at(row, 5))};
  });
  // A document removed between the two statements is left out.
  for (auto id : ids) {
    if (auto found = hits.find(id); found != hits.end()) result.hits.push_back(std::move(found->second));
  }
  if (static_cast<int>(ids.size()) == limit) {
    result.next_cursor = fmt::format("{}:{}:{}", last_rank, scores.at(ids.back()), ids.back());
  }
}

std::int64_t count_documents(orchestra::db::Database& database, const std::string& source) {
  soci::session session(database.pool());
  std::int64_t total = 0;
  SqlQuery("SELECT COUNT(*) FROM search_documents WHERE source = :source")
      .text("source", source)
      .each(session, [&](const soci::row& row) { total = orchestra::db::int_at(row, 0); });
  return total;
}

bool database_reachable(orchestra::db::Database& database) {
  try {
    soci::session session(database.pool());
    int one = 0;
    session << "SELECT 1", soci::into(one);
    return one == 1;
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace search_indexer
