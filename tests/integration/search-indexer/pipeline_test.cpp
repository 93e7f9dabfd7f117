// The search indexer on real SQLite and PostgreSQL: the feed goes through
// extract, transform and load into the index; repeated or stale runs
// change nothing; a poison document goes to the dead list; a reindex
// switches in a rebuilt source at once; and the query language finds what
// users expect.

#include "support/db_helpers.hpp"
#include "support/task_harness.hpp"

#include "changes/sql_change_feed.hpp"
#include "db/migrations.hpp"
#include "fts5_index.hpp"
#include "postgres_index.hpp"
#include "pipeline.hpp"
#include "tasks/task_service.hpp"

#include <fmt/format.h>
#include <doctest/doctest.h>

#include <chrono>
#include <map>
#include <set>
#include <thread>

using namespace orchestra::testing;
using namespace search_indexer;

namespace {

constexpr const char* kTeams = "notifications.teams";
constexpr const char* kApps = "steam-sync.apps";

std::unique_ptr<IndexBackend> index_for(orchestra::db::Database& database) {
  if (database.dialect() == orchestra::db::Dialect::postgres) {
    return std::make_unique<PostgresIndex>(database);
  }
  return std::make_unique<Fts5Index>(database);
}

// A pipeline with its stage tasks defined (never run: the test runs the
// stages itself).
struct Indexer {
  TaskHarness harness;
  orchestra::changes::SqlChangeFeed feed{harness.database()};
  PipelineStore store{harness.database()};
  ReindexStore reindex{harness.database()};
  std::unique_ptr<IndexBackend> backend = index_for(harness.database());
  IndexBackend& index = *backend;
  orchestra::tasks::PluginTasks tasks{"search-indexer", harness.service()};
  Pipeline pipeline{harness.database(), feed, tasks, store, reindex, index, 3};

  explicit Indexer(Backend backend_under_test) : harness(backend_under_test) {
    for (const char* type : {kExtractType, kTransformType, kLoadType, kReindexType}) {
      tasks.define(type, [](orchestra::tasks::TaskContext&) { return "{}"; }, {});
    }
    harness.open();
    auto root = std::filesystem::path(ORCHESTRA_SOURCE_DIR) / "sql";
    orchestra::db::apply_migrations(
        harness.database(), root,
        orchestra::db::discover_migrations(root, {"core", "search-indexer"},
                                           harness.database().dialect()));
  }

  void publish(const std::string& source, const std::string& key,
               const std::optional<std::string>& document) {
    soci::session session(harness.database().pool());
    orchestra::db::WriteTransaction transaction(session, harness.database().dialect());
    if (document) {
      feed.publish(session, source, key, *document);
    } else {
      feed.remove(session, source, key);
    }
    transaction.commit();
  }

  void run(const std::string& source) {
    pipeline.extract(source);
    pipeline.transform(source);
    pipeline.load(source);
  }

  // Runs the stages until `count` entries were extracted: on PostgreSQL
  // the feed shows entries once the cluster's older write transactions
  // (other tests' too) ended.
  void run_until_extracted(const std::string& source, std::int64_t count) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    run(source);
    while (store.status(source).extracted < count && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      run(source);
    }
    run(source);
  }

  std::vector<std::string> keys(const std::string& query, const std::string& source) {
    SearchRequest request;
    request.terms = parse_query(query);
    request.source = source;
    request.limit = 100;
    std::vector<std::string> out;
    for (const auto& hit : index.search(request).hits) out.push_back(hit.key);
    return out;
  }
};

std::string team(const std::string& name) {
  return R"({"name":")" + name + R"(","short_name":"T","country":"PL"})";
}

std::string app(int id, const std::string& name, const std::string& description,
                const std::string& genre, bool free) {
  return fmt::format(
      R"({{"app_id":{},"name":"{}","type":"game","is_free":{},"short_description":"{}",)"
      R"("developers":[],"publishers":[],"genres":["{}"],"categories":[],"platforms":["windows"],)"
      R"("prices":{{"US":{{"currency":"USD","final":{}}}}}}})",
      id, name, free ? "true" : "false", description, genre, free ? 0 : 999 + id);
}

}  // namespace

#define FOR_EACH_DATABASE                    \
  for (auto backend : backends_under_test()) \
    if (backend != Backend::redis)           \
      SUBCASE(backend_name(backend))

TEST_CASE("search pipeline: the index follows the feed, a poison document goes to the dead list") {
  FOR_EACH_DATABASE {
  Indexer indexer(backend);
  for (int i = 1; i <= 10; ++i) indexer.publish(kTeams, std::to_string(i), team(fmt::format("Club{}", i)));
  indexer.run_until_extracted(kTeams, 10);
  indexer.publish(kTeams, "3", team("Renamed Three"));
  indexer.publish(kTeams, "4", std::nullopt);
  indexer.publish(kTeams, "5", R"({"name":5})");  // no name: cannot be transformed
  indexer.publish(kTeams, "6", "not json");

  indexer.run_until_extracted(kTeams, 14);

  // Removed: 4. The poison versions of 5 and 6 are dead; their earlier
  // versions stay until a good one comes.
  CHECK(indexer.index.count(kTeams) == 9);
  CHECK(indexer.keys("club5", kTeams).front() == "5");  // then others a typo away
  CHECK(indexer.keys("renamed", kTeams) == std::vector<std::string>{"3"});
  auto has = [](const std::vector<std::string>& keys, const char* key) {
    return std::find(keys.begin(), keys.end(), key) != keys.end();
  };
  CHECK_FALSE(has(indexer.keys("club3", kTeams), "3"));
  CHECK_FALSE(has(indexer.keys("club4", kTeams), "4"));
  auto dead = indexer.store.dead(kTeams, 10);
  REQUIRE(dead.size() == 2);
  CHECK(dead[0].stage == "transform");
  std::set<std::string> reasons{dead[0].error, dead[1].error};
  CHECK(reasons.count("a team needs a name") == 1);
  CHECK(reasons.count("the document is not a JSON object") == 1);

  auto status = indexer.store.status(kTeams);
  CHECK(status.extracted == 14);
  CHECK(status.indexed == 12);
  CHECK(status.dead == 2);
  CHECK(status.waiting_transform == 0);
  CHECK(status.waiting_load == 0);
  }
}

TEST_CASE("search pipeline: stages run again, or late with a stale checkpoint, change nothing") {
  FOR_EACH_DATABASE {
  Indexer indexer(backend);
  for (int i = 1; i <= 7; ++i) indexer.publish(kTeams, std::to_string(i), team(fmt::format("Side{}", i)));
  auto from = indexer.store.checkpoint(kTeams);
  auto entries = feed_entries(indexer.feed, kTeams, from, 7);
  indexer.run_until_extracted(kTeams, 7);
  indexer.run(kTeams);  // nothing new
  {
    // A run of a worker presumed dead, finishing late with what it read.
    soci::session session(indexer.harness.database().pool());
    orchestra::db::WriteTransaction transaction(session, indexer.harness.database().dialect());
    CHECK_FALSE(indexer.store.extract(session, kTeams, from, entries));
  }
  CHECK(indexer.store.status(kTeams).extracted == 7);
  CHECK(indexer.store.status(kTeams).indexed == 7);
  CHECK(indexer.index.count(kTeams) == 7);
  indexer.publish(kTeams, "8", team("Side8"));
  indexer.run_until_extracted(kTeams, 8);
  CHECK(indexer.index.count(kTeams) == 8);

  // A dead document brought back is indexed once it can be.
  indexer.publish(kTeams, "9", "[]");
  indexer.run_until_extracted(kTeams, 9);
  auto dead = indexer.store.dead(kTeams, 10);
  REQUIRE(dead.size() == 1);
  CHECK(indexer.store.revive(dead[0].id));
  CHECK_FALSE(indexer.store.revive(dead[0].id));
  indexer.run(kTeams);
  CHECK(indexer.store.dead(kTeams, 10).size() == 1);  // still not a team: dead again

  // A document that died at the load comes back as the search document it
  // was, not as a feed entry to map again.
  Staged staged{0, "0.1", "10", document_payload(SearchDocument{kTeams, "10", "Revived Side", "",
                                                                R"({"name":"Revived Side"})", {}})};
  {
    soci::session session(indexer.harness.database().pool());
    orchestra::db::WriteTransaction transaction(session, indexer.harness.database().dialect());
    CHECK(indexer.store.to_dead(session, kTeams, staged, "load", "the index refused it"));
    transaction.commit();
  }
  // An older version, revived after a newer one was loaded, changes
  // nothing; nor does a removed document come back.
  Staged stale{0, "0.0", "1", document_payload(SearchDocument{kTeams, "1", "Stale Side", "",
                                                               R"({"name":"Stale Side"})", {}})};
  {
    soci::session session(indexer.harness.database().pool());
    orchestra::db::WriteTransaction transaction(session, indexer.harness.database().dialect());
    CHECK(indexer.store.to_dead(session, kTeams, stale, "load", "refused"));
    transaction.commit();
  }
  for (const auto& document : indexer.store.dead(kTeams, 10)) {
    if (document.key == "1") CHECK(indexer.store.revive(document.id));
  }
  indexer.run(kTeams);
  CHECK(indexer.keys("stale", kTeams).empty());
  CHECK(indexer.keys("side1", kTeams).front() == "1");

  auto load_dead = indexer.store.dead(kTeams, 10);
  REQUIRE(load_dead.size() == 2);
  auto revived = load_dead[0].stage == "load" ? load_dead[0].id : load_dead[1].id;
  CHECK(indexer.store.revive(revived));
  indexer.run(kTeams);
  CHECK(indexer.keys("revived", kTeams) == std::vector<std::string>{"10"});
  CHECK(indexer.store.dead(kTeams, 10).size() == 1);
  }
}

TEST_CASE("search pipeline: a reindex rebuilds beside the index and switches in at once") {
  FOR_EACH_DATABASE {
  Indexer indexer(backend);
  for (int i = 1; i <= 8; ++i) indexer.publish(kTeams, std::to_string(i), team(fmt::format("Squad{}", i)));
  indexer.run_until_extracted(kTeams, 8);
  // The index loses a document behind the pipeline's back.
  {
    soci::session session(indexer.harness.database().pool());
    orchestra::db::WriteTransaction transaction(session, indexer.harness.database().dialect());
    indexer.index.write(session, {IndexWrite{kTeams, "5", std::nullopt}});
    transaction.commit();
  }
  REQUIRE(indexer.index.count(kTeams) == 7);

  auto requested = indexer.reindex.request(kTeams);
  CHECK(requested.state == "building");
  CHECK(indexer.reindex.request(kTeams).requested_at == requested.requested_at);  // one at a time
  indexer.pipeline.rebuild(kTeams);
  CHECK(indexer.reindex.status(kTeams)->built == 8);
  // Meanwhile the live stages go on: a rename the rebuild has read already
  // (it must not be undone), then a removal.
  indexer.publish(kTeams, "2", team("Renamed Two"));
  indexer.publish(kTeams, "8", std::nullopt);
  auto live = indexer.store.status(kTeams).extracted + 2;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (indexer.store.status(kTeams).extracted < live &&
         std::chrono::steady_clock::now() < deadline) {
    indexer.pipeline.extract(kTeams);
    indexer.pipeline.transform(kTeams);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  indexer.pipeline.transform(kTeams);
  // Loads wait while the rebuild catches up; searches answer from the old
  // index until the switch.
  while (indexer.reindex.status(kTeams)->state == "building" &&
         std::chrono::steady_clock::now() < deadline) {
    indexer.pipeline.rebuild(kTeams);
  }
  REQUIRE(indexer.reindex.status(kTeams)->state == "ready");
  CHECK(indexer.index.count(kTeams) == 7);
  CHECK(indexer.keys("\"squad5\"", kTeams).empty());

  indexer.pipeline.load(kTeams);  // the switch, then the live batch
  auto finished = indexer.reindex.status(kTeams);
  CHECK(finished->state == "switched");
  CHECK(finished->finished_at.has_value());
  CHECK(indexer.index.count(kTeams) == 7);  // 1..7, 8 removed, 5 back
  CHECK(indexer.keys("\"squad5\"", kTeams) == std::vector<std::string>{"5"});
  CHECK(indexer.keys("renamed", kTeams) == std::vector<std::string>{"2"});
  CHECK(indexer.keys("\"squad8\"", kTeams).empty());
  CHECK(indexer.keys("\"squad2\"", kTeams).empty());

  // Done: another request starts afresh.
  CHECK(indexer.reindex.request(kTeams).state == "building");
  }
}

TEST_CASE("search pipeline: a switch that cannot write is tried again, then given up, the live index untouched") {
  FOR_EACH_DATABASE {
  Indexer indexer(backend);
  indexer.publish(kTeams, "1", team("Alpha"));
  indexer.publish(kTeams, "2", "not json");  // poison, to the dead list once per position
  indexer.run_until_extracted(kTeams, 2);
  indexer.reindex.request(kTeams);
  indexer.pipeline.rebuild(kTeams);
  indexer.pipeline.rebuild(kTeams);
  REQUIRE(indexer.reindex.status(kTeams)->state == "ready");
  {
    // A rebuilt document the index cannot take.
    soci::session session(indexer.harness.database().pool());
    session << "UPDATE search_reindex_documents SET payload = 'broken' WHERE key = '1'";
  }
  indexer.publish(kTeams, "3", team("Gamma"));
  indexer.run_until_extracted(kTeams, 3);  // the first load's switch fails, its batch loads
  auto retried = indexer.reindex.status(kTeams);
  CHECK(retried->state == "ready");
  CHECK(retried->error.value_or("").find("the switch failed") == 0);
  CHECK(indexer.keys("gamma", kTeams) == std::vector<std::string>{"3"});
  for (int i = 0; i < 5; ++i) indexer.pipeline.load(kTeams);
  CHECK(indexer.reindex.status(kTeams)->state == "failed");
  CHECK(indexer.keys("alpha", kTeams) == std::vector<std::string>{"1"});

  // Reindexes meet the poison document again: it stays listed once.
  indexer.reindex.request(kTeams);
  indexer.pipeline.rebuild(kTeams);
  indexer.pipeline.rebuild(kTeams);
  indexer.pipeline.load(kTeams);
  CHECK(indexer.reindex.status(kTeams)->state == "switched");
  std::map<std::string, int> stages;
  for (const auto& dead : indexer.store.dead(kTeams, 10)) ++stages[dead.stage];
  CHECK(stages == std::map<std::string, int>{{"transform", 1}});  // the live stage's entry stands
  }
}

TEST_CASE("search queries: phrases, exclusions, prefixes, folding, ranking, highlights, "
          "facets and pages") {
  FOR_EACH_DATABASE {
  Indexer indexer(backend);
  indexer.publish(kApps, "1", app(1, "Pokémon Arena", "Catch them all", "Adventure", false));
  indexer.publish(kApps, "2", app(2, "Górnik Manager", "Football club in Zabrze", "Sports", true));
  indexer.publish(kApps, "3", app(3, "Спартак Симулятор", "Футбол", "Sports", false));
  indexer.publish(kApps, "4", app(4, "Arena Shooter", "A fast game", "Action", true));
  indexer.publish(kApps, "5", app(5, "Quiet Garden", "Relax in the arena of flowers", "Casual",
                                  false));
  indexer.publish(kApps, "6", app(6, "Gardens of Time", "Hidden objects", "Casual", false));
  for (int i = 10; i < 35; ++i) {
    indexer.publish(kApps, std::to_string(i), app(i, fmt::format("Filler {}", i), "space game",
                                                  i % 2 ? "Action" : "Puzzle", i % 3 == 0));
  }
  indexer.run_until_extracted(kApps, 31);

  CHECK(indexer.keys("pokemon", kApps) == std::vector<std::string>{"1"});
  CHECK(indexer.keys("GORNIK", kApps) == std::vector<std::string>{"2"});
  CHECK(indexer.keys("спартак", kApps) == std::vector<std::string>{"3"});
  CHECK(indexer.keys("СПАРТАК", kApps) == std::vector<std::string>{"3"});
  CHECK(indexer.keys("zabrze football", kApps) == std::vector<std::string>{"2"});
  CHECK(indexer.keys(R"("catch them")", kApps) == std::vector<std::string>{"1"});
  CHECK(indexer.keys(R"("them catch")", kApps).empty());
  CHECK(indexer.keys("manag", kApps) == std::vector<std::string>{"2"});  // typed so far
  CHECK(indexer.keys("manag ", kApps).empty());                          // a finished word
  // The title weighs more than the body: both arenas before the garden.
  auto arenas = indexer.keys("arena", kApps);
  REQUIRE(arenas.size() == 3);
  CHECK(arenas.back() == "5");
  CHECK(indexer.keys("arena -shooter", kApps) == std::vector<std::string>{"1", "5"});
  // Typos: one in a word of 5+ characters, two in 9+; exact matches first.
  CHECK(indexer.keys("pokemno", kApps) == std::vector<std::string>{"1"});
  CHECK(indexer.keys("footbal", kApps) == std::vector<std::string>{"2"});
  CHECK(indexer.keys("gaem", kApps).empty());  // a short word must be right
  CHECK(indexer.keys("garden ", kApps) == std::vector<std::string>{"5", "6"});
  CHECK(indexer.keys("gardens ", kApps) == std::vector<std::string>{"6", "5"});

  SearchRequest request;
  request.terms = parse_query("arena pokemon");
  request.source = kApps;
  auto highlighted = indexer.index.search(request);
  REQUIRE(highlighted.hits.size() == 1);
  CHECK(highlighted.hits[0].title == "<mark>Pokémon</mark> <mark>Arena</mark>");
  CHECK(highlighted.hits[0].stored.find(R"("app_id":1)") != std::string::npos);

  request.terms = parse_query("space");
  request.facets = {"genre", "is_free"};
  request.filters = {FilterCondition{"genre", {"action"}, {}, {}}};
  auto filtered = indexer.index.search(request);
  CHECK(filtered.hits.size() == 12);  // the odd fillers
  REQUIRE(filtered.facets["genre"].size() == 1);
  CHECK(filtered.facets["genre"][0] == std::pair<std::string, std::int64_t>("action", 12));
  REQUIRE(filtered.facets["is_free"].size() == 2);
  request.filters = {FilterCondition{"price:US", {}, {}, "000000001010"}};  // at most 10.10
  CHECK(indexer.index.search(request).hits.size() == 10);  // 10, 11 and the 8 free ones

  request.filters.clear();
  request.facets.clear();
  request.limit = 10;
  std::set<std::string> seen;
  int pages = 0;
  std::optional<std::string> cursor;
  do {
    request.cursor = cursor;
    auto page = indexer.index.search(request);
    for (const auto& hit : page.hits) CHECK(seen.insert(hit.key).second);  // no repeats
    cursor = page.next_cursor;
    ++pages;
  } while (cursor && pages < 10);
  CHECK(seen.size() == 25);  // no gaps
  CHECK(pages == 3);
  request.cursor = "nonsense";
  CHECK_THROWS_AS(indexer.index.search(request), std::invalid_argument);
  }
}
