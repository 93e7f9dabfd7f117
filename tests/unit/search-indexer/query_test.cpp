// The search query language and its FTS5 form; mappings of source
// documents; highlights as safe HTML.

#include "fts5_index.hpp"
#include "index_sql.hpp"
#include "mapping.hpp"
#include "query.hpp"
#include "typo.hpp"

#include <doctest/doctest.h>

using namespace search_indexer;

TEST_CASE("search query: words, phrases, exclusions and a prefix while typing") {
  auto terms = parse_query(R"(half "life two" -demo valv)");
  REQUIRE(terms.size() == 4);
  CHECK(terms[0].text == "half");
  CHECK(terms[1].phrase);
  CHECK(terms[1].text == "life two");
  CHECK(terms[2].excluded);
  CHECK(terms[3].prefix);
  CHECK_FALSE(terms[0].prefix);
  CHECK(fts5_expression(terms) == R"(("half" AND "life two" AND "valv"*) NOT ("demo"))");
  CHECK_FALSE(parse_query("portal ").back().prefix);  // a finished word
  CHECK(fts5_expression(parse_query(R"(say "hi")")) == R"("say" AND "hi")");
  // A quote ends a word and opens a phrase.
  CHECK(fts5_expression(parse_query(R"(x"y z")")) == R"("x" AND "y z")");
  CHECK(fts5_expression(parse_query("NEAR(x y) OR")) == R"x("NEAR(x" AND "y)" AND "OR"*)x");
}

TEST_CASE("search query: what cannot be searched is refused by name") {
  CHECK_THROWS_WITH(parse_query(""), doctest::Contains("at least one word"));
  CHECK_THROWS_WITH(parse_query("-only -exclusions"), doctest::Contains("at least one word"));
  CHECK_THROWS_WITH(parse_query("!!! ..."), doctest::Contains("at least one word"));
  CHECK_THROWS_WITH(parse_query(R"("open)"), doctest::Contains("not closed"));
  CHECK_THROWS_WITH(parse_query(std::string(501, 'a')), doctest::Contains("longer than 500"));
  CHECK_THROWS_WITH(parse_query(std::string("ab\0c", 4)), doctest::Contains("control characters"));
  CHECK_THROWS_WITH(parse_query("caf\xC3"), doctest::Contains("not valid UTF-8"));
  CHECK_THROWS_WITH(parse_query("\xFF\xFE"), doctest::Contains("not valid UTF-8"));
  CHECK(parse_query("café Łódź ☃").size() == 3);
  std::string many;
  for (int i = 0; i < 21; ++i) many += "w" + std::to_string(i) + " ";
  CHECK_THROWS_WITH(parse_query(many), doctest::Contains("more than 20 terms"));
}

TEST_CASE("search mapping: apps, teams and matches, a document it cannot read is an error") {
  auto app = transform("steam-sync.apps", "730",
                       R"({"app_id":730,"name":"Counter-Strike 2","type":"game","is_free":true,)"
                       R"("short_description":"Tactical shooter","developers":["Valve"],)"
                       R"("publishers":["Valve"],"genres":["Action","Free to Play"],)"
                       R"("categories":["Multi-player"],"platforms":["windows","linux"],)"
                       R"("prices":{"US":{"currency":"USD","final":0}}})");
  CHECK(app.title == "Counter-Strike 2");
  CHECK(app.body.find("Tactical shooter Valve Valve Action") == 0);
  auto has = [&](const char* name, const char* value) {
    return std::find(app.filters.begin(), app.filters.end(), std::pair<std::string, std::string>(
                                                                 name, value)) != app.filters.end();
  };
  CHECK(has("genre", "free to play"));
  CHECK(has("platform", "linux"));
  CHECK(has("is_free", "true"));
  CHECK(has("price:US", "000000000000"));
  auto match = transform("notifications.matches", "1",
                         R"({"home_team":"Górnik","away_team":"Legia","competition":"Cup",)"
                         R"("home_team_id":1,"away_team_id":2,"starts_at":"2026-12-05T18:00:00.000Z"})");
  CHECK(match.title == "Górnik vs Legia");
  CHECK_THROWS_AS(transform("steam-sync.apps", "1", R"({"name":""})"), TransformError);
  CHECK_THROWS_AS(transform("steam-sync.apps", "1", "not json"), TransformError);
  CHECK_THROWS_AS(transform("elsewhere", "1", "{}"), TransformError);
}

TEST_CASE("search highlights are HTML with only our marks") {
  CHECK(marked_html("a \x01<b>\x02 & \"c\"") == "a <mark>&lt;b&gt;</mark> &amp; &quot;c&quot;");
}

TEST_CASE("search typos: folding, distances and how many a word may have") {
  CHECK(to_utf8(fold("Górnik ŁÓDŹ Спартак Ёж")) == "gornik lodz спартак еж");
  CHECK(typos_allowed(fold("game")) == 0);
  CHECK(typos_allowed(fold("arena")) == 1);
  CHECK(typos_allowed(fold("adventure")) == 2);
  CHECK(edit_distance(fold("pokemon"), fold("pokemno"), 1) == 1);  // a swap is one typo
  CHECK(edit_distance(fold("pokemon"), fold("pokeman"), 1) == 1);
  CHECK(edit_distance(fold("pokemon"), fold("pkmn"), 2) == 3);     // past the limit
  CHECK(edit_distance(fold("adventure"), fold("advnture"), 2) == 1);
}
