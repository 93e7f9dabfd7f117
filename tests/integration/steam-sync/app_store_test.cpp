// The steam-sync tables on real SQLite and PostgreSQL: the app list only
// grows, leases keep concurrent pickers apart and expire, a fetch stores
// only while its lease holds, reads page and filter.

#include "support/task_harness.hpp"

#include "app_store.hpp"
#include "db/migrations.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <mutex>
#include <set>
#include <thread>

using namespace orchestra::testing;
using namespace steam_sync;

namespace {

void migrate(TaskHarness& harness) {
  auto root = std::filesystem::path(ORCHESTRA_SOURCE_DIR) / "sql";
  orchestra::db::apply_migrations(
      harness.database(), root,
      orchestra::db::discover_migrations(root, {"core", "steam-sync"},
                                         harness.database().dialect()));
}

std::vector<ListedApp> listed(int count, int first = 1) {
  std::vector<ListedApp> apps;
  for (int i = 0; i < count; ++i) apps.push_back({first + i, "App " + std::to_string(first + i)});
  return apps;
}

FetchedApp fetched(std::int64_t id) {
  FetchedApp app;
  app.id = id;
  AppDetails details;
  details.name = "Renamed " + std::to_string(id);
  details.type = "game";
  details.is_free = false;
  details.developers = {"Valve", "Hidden Path"};
  details.platforms = {"windows", "linux"};
  details.release_date = "21 Aug, 2012";
  details.coming_soon = false;
  details.price = Price{"USD", 1999, 999, 50};
  app.details = details;
  app.prices["US"] = details.price;
  app.prices["GB"] = Price{"GBP", 1599, 799, 50};
  app.prices["DE"] = std::nullopt;
  return app;
}

#define FOR_EACH_DATABASE                      \
  for (auto backend : backends_under_test())   \
    if (backend != Backend::redis)             \
      SUBCASE(backend_name(backend))

}  // namespace

TEST_CASE("steam-sync store: the app list only grows and names follow Steam") {
  FOR_EACH_DATABASE {
    TaskHarness harness(backend);
    migrate(harness);
    AppStore store(harness.database());
    CHECK(store.add_listed(listed(3), 1000) == 3);
    auto again = listed(5);
    again[0].name = "New name";
    CHECK(store.add_listed(again, 2000) == 2);
    CHECK(store.add_listed(listed(2), 3000) == 0);  // absent apps are never deleted
    CHECK(store.stats(5000).total == 5);
    CHECK(store.stats(5000).never_fetched == 5);
    REQUIRE(store.find(1));
    CHECK(store.find(1)->name == "App 1");  // the last list named it so again
    CHECK(store.find(1)->last_updated == 0);
    CHECK(store.find(1)->fetch_status == "never");
    CHECK(store.known({1, 4, 99}) == std::vector<std::int64_t>{1, 4});
    CHECK_FALSE(store.find(99));
  }
}

TEST_CASE("steam-sync store: leases pick the stalest apps, exclude each other and expire") {
  FOR_EACH_DATABASE {
    TaskHarness harness(backend);
    migrate(harness);
    AppStore store(harness.database());
    store.add_listed(listed(10), 1000);
    // RETURNING gives no order on PostgreSQL.
    auto sorted = [](std::vector<std::int64_t> ids) {
      std::sort(ids.begin(), ids.end());
      return ids;
    };
    CHECK(sorted(store.lease_stalest(4, 1'000'000, "a", 1000, 5000)) ==
          std::vector<std::int64_t>{1, 2, 3, 4});
    CHECK(sorted(store.lease_stalest(4, 1'000'000, "b", 1000, 5000)) ==
          std::vector<std::int64_t>{5, 6, 7, 8});
    // A hand fetch gets only the apps nobody holds, or that it holds itself.
    CHECK(store.lease({1, 2, 9}, "hand", 2000, 6000) == std::vector<std::int64_t>{9});
    CHECK(sorted(store.lease({1, 2}, "a", 2000, 7000)) == std::vector<std::int64_t>{1, 2});
    CHECK(store.stats(2000).leased == 9);
    // After the leases expire anyone may take them.
    auto later = store.lease_stalest(20, 1'000'000, "c", 7000, 9000);
    CHECK(later.size() == 10);  // a lease ending at 7000 is free at 7000
    store.release({3, 4}, "a");  // no longer a's: nothing happens
    CHECK(store.stats(7000).leased == 10);
    store.release({3, 4}, "c");
    CHECK(store.stats(7000).leased == 8);
  }
}

TEST_CASE("steam-sync store: concurrent pickers never lease one app twice") {
  FOR_EACH_DATABASE {
    TaskHarness harness(backend);
    migrate(harness);
    AppStore store(harness.database());
    store.add_listed(listed(400), 1000);
    std::mutex mutex;
    std::multiset<std::int64_t> taken;
    std::vector<std::thread> pickers;
    for (int p = 0; p < 4; ++p) {
      pickers.emplace_back([&, p] {
        for (int round = 0; round < 12; ++round) {
          auto ids = store.lease_stalest(10, 1'000'000, "picker" + std::to_string(p), 2000,
                                         1'000'000);
          std::lock_guard lock(mutex);
          taken.insert(ids.begin(), ids.end());
        }
      });
    }
    for (auto& picker : pickers) picker.join();
    CHECK(taken.size() == 400);
    std::set<std::int64_t> distinct(taken.begin(), taken.end());
    CHECK(distinct.size() == taken.size());
  }
}

TEST_CASE("steam-sync store: a fetch is stored only under its lease, with every price, and "
          "published as stored") {
  FOR_EACH_DATABASE {
    TaskHarness harness(backend);
    migrate(harness);
    std::vector<AppRecord> published;  // what the change feed would get
    AppStore store(harness.database(),
                   [&](soci::session&, const AppRecord& app) { published.push_back(app); });
    store.add_listed(listed(3), 1000);
    REQUIRE(store.lease({1, 2, 3}, "t1", 1000, 2000).size() == 3);
    CHECK(store.store_fetched(fetched(1), "t1", 1500));
    REQUIRE(published.size() == 1);
    CHECK(published[0].name == "Renamed 1");
    CHECK(published[0].prices.size() == 2);  // US and GB; DE had none
    // t1's lease on app 2 expired and t2 took it: t1's late data is refused.
    REQUIRE(store.lease({2}, "t2", 2500, 9000) == std::vector<std::int64_t>{2});
    CHECK_FALSE(store.store_fetched(fetched(2), "t1", 2600));
    CHECK(published.size() == 1);  // nothing stored, nothing published
    CHECK(store.find(2)->last_updated == 0);
    FetchedApp gone;
    gone.id = 3;
    CHECK(store.store_fetched(gone, "t1", 1700));

    auto app = store.find(1);
    REQUIRE(app);
    CHECK(app->name == "Renamed 1");
    CHECK(app->last_updated == 1500);
    CHECK(app->fetch_status == "ok");
    CHECK(app->details.type == "game");
    CHECK(app->details.is_free == false);
    CHECK(app->details.developers == std::vector<std::string>{"Valve", "Hidden Path"});
    CHECK(app->details.platforms == std::vector<std::string>{"windows", "linux"});
    CHECK(app->details.release_date == "21 Aug, 2012");
    REQUIRE(app->prices.size() == 2);  // DE: not sold there
    CHECK(app->prices[0].country == "GB");
    CHECK(app->prices[0].price.final_price == 799);
    CHECK(app->prices[1].country == "US");
    CHECK(app->prices[1].price.currency == "USD");
    CHECK(app->prices[1].price.discount_percent == 50);
    CHECK(app->prices[1].fetched_at == 1500);
    CHECK(store.find(3)->fetch_status == "unavailable");
    CHECK(store.find(3)->last_updated == 1700);

    // A fresh fetch drops a price the app no longer has.
    REQUIRE(store.lease({1}, "t3", 3000, 9000).size() == 1);
    auto again = fetched(1);
    again.prices["GB"] = std::nullopt;
    CHECK(store.store_fetched(again, "t3", 3100));
    CHECK(store.find(1)->prices.size() == 1);
    CHECK(store.stats(3200).leased == 1);  // app 2, still t2's
  }
}

TEST_CASE("steam-sync store: listing pages by id and filters by freshness and type") {
  FOR_EACH_DATABASE {
    TaskHarness harness(backend);
    migrate(harness);
    AppStore store(harness.database());
    store.add_listed(listed(5), 1000);
    store.lease({2, 4}, "t", 1000, 9000);
    store.store_fetched(fetched(2), "t", 5000);
    store.store_fetched(fetched(4), "t", 6000);
    AppQuery query;
    query.limit = 2;
    auto page = store.list(query);
    REQUIRE(page.size() == 2);
    CHECK(page[1].id == 2);
    CHECK(page[1].prices.size() == 2);
    query.after = 2;
    CHECK(store.list(query).front().id == 3);
    AppQuery fresh;
    fresh.updated_since = 5500;
    REQUIRE(store.list(fresh).size() == 1);
    CHECK(store.list(fresh).front().id == 4);
    AppQuery games;
    games.type = "game";
    CHECK(store.list(games).size() == 2);
    CHECK(store.updated_since({1, 2, 4}, 5500) == std::vector<std::int64_t>{4});
    auto stats = store.stats(7000);
    CHECK(stats.fetched_last_day == 2);
    CHECK(stats.never_fetched == 3);
    CHECK(stats.oldest_last_updated == 0);
  }
}

TEST_CASE("steam-sync store: renewing keeps only leases still held, a lost app is not taken back") {
  FOR_EACH_DATABASE {
    TaskHarness harness(backend);
    migrate(harness);
    AppStore store(harness.database());
    store.add_listed(listed(4), 1000);
    REQUIRE(store.lease({1, 2, 3, 4}, "a", 1000, 2000).size() == 4);
    // a stalls past its leases; b takes 3 and 4 and stores 3.
    REQUIRE(store.lease({3, 4}, "b", 2500, 9000).size() == 2);
    REQUIRE(store.store_fetched(fetched(3), "b", 2600));
    auto kept = store.renew({1, 2, 3, 4}, "a", 12000);
    std::sort(kept.begin(), kept.end());
    CHECK(kept == std::vector<std::int64_t>{1, 2});  // expired but not taken: still a's
    CHECK(store.find(3)->last_updated == 2600);
    CHECK(store.stats(3000).leased == 3);  // 1 and 2 (a), 4 (b)
    CHECK_FALSE(store.store_fetched(fetched(4), "a", 3000));
  }
}

TEST_CASE("steam-sync store: an app Steam's answer cannot serve is marked error under its lease") {
  FOR_EACH_DATABASE {
    TaskHarness harness(backend);
    migrate(harness);
    AppStore store(harness.database());
    store.add_listed(listed(2), 1000);
    REQUIRE(store.lease({1, 2}, "a", 1000, 9000).size() == 2);
    CHECK(store.store_failed(1, "appdetails of app 1 in US: HTTP 404", "a", 1500));
    CHECK_FALSE(store.store_failed(2, "late", "b", 1500));  // not b's lease
    auto app = store.find(1);
    REQUIRE(app);
    CHECK(app->fetch_status == "error");
    CHECK(app->last_updated == 1500);
    CHECK(app->details.problems == std::vector<std::string>{"appdetails of app 1 in US: HTTP 404"});
    CHECK(store.stats(2000).leased == 1);
  }
}

TEST_CASE("steam-sync store: a hand fetch takes over apps of a batch that has not started") {
  FOR_EACH_DATABASE {
    TaskHarness harness(backend);
    migrate(harness);
    AppStore store(harness.database());
    store.add_listed(listed(4), 1000);
    REQUIRE(store.lease_stalest(4, 1'000'000, "pick:1", 1000, 9000).size() == 4);
    // The batch for apps 3 and 4 starts: those are its own now.
    REQUIRE(store.lease({3, 4}, "pick:1", 1500, 9000).size() == 2);
    auto taken = store.take_over({1, 3}, "hand", 2000, 9000);
    CHECK(taken == std::vector<std::int64_t>{1});
    // The batch of apps 1 and 2 starts later: app 1 is the hand fetch's.
    CHECK(store.lease({1, 2}, "pick:1", 2500, 9000) == std::vector<std::int64_t>{2});
    CHECK(store.take_over({2}, "hand", 3000, 9000).empty());  // started meanwhile
    CHECK(store.take_over({1}, "other", 3000, 9000).empty());  // the hand fetch has started
  }
}
