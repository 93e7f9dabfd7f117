// The notifications tables on real SQLite and PostgreSQL: inbox ids per
// user without gaps or repeats however many writers race, one notification
// per user and key, match changes that bump versions and record their live
// events, follower pages and digest due times.

#include "support/db_helpers.hpp"
#include "support/task_harness.hpp"

#include "changes/sql_change_feed.hpp"
#include "db/migrations.hpp"
#include "follower_store.hpp"
#include "inbox_store.hpp"
#include "sports_store.hpp"
#include "webhook_store.hpp"

#include <orchestra/clock.hpp>

#include <doctest/doctest.h>

#include <set>
#include <thread>

using namespace orchestra::testing;
using namespace notifications;

namespace {

void migrate(TaskHarness& harness) {
  auto root = std::filesystem::path(ORCHESTRA_SOURCE_DIR) / "sql";
  orchestra::db::apply_migrations(
      harness.database(), root,
      orchestra::db::discover_migrations(root, {"core", "notifications"},
                                         harness.database().dialect()));
}

Notification note(const std::string& key) {
  return Notification{"reminder", key, "title " + key, R"({"n":1})", orchestra::unix_ms()};
}

std::vector<Delivered> append(TaskHarness& harness, InboxStore& inbox,
                              const std::vector<std::string>& users, const Notification& n) {
  soci::session session(harness.database().pool());
  orchestra::db::WriteTransaction transaction(session, harness.database().dialect());
  auto delivered = inbox.append(session, users, n);
  transaction.commit();
  return delivered;
}

Team team(SportsStore& sports, const std::string& name) {
  return sports.create_team(Team{0, name, name.substr(0, 3), "PL", std::nullopt, 0, 0});
}


#define FOR_EACH_DATABASE                    \
  for (auto backend : backends_under_test()) \
    if (backend != Backend::redis)           \
      SUBCASE(backend_name(backend))

}  // namespace

TEST_CASE("notifications store: one item per user and key, ids 1, 2, 3 per user") {
  FOR_EACH_DATABASE {
    TaskHarness harness(backend);
    migrate(harness);
    FollowerStore followers(harness.database());
    InboxStore inbox(harness.database());
    SportsStore sports(harness.database());
    auto club = team(sports, "Legia");
    for (const char* user : {"ann", "bob"}) followers.follow(user, club.id, {});

    auto first = append(harness, inbox, {"ann", "bob", "nobody"}, note("a"));
    REQUIRE(first.size() == 2);  // "nobody" follows nothing and is not a user here
    CHECK(first[0].id == 1);
    CHECK(first[1].id == 1);
    CHECK(append(harness, inbox, {"ann", "bob"}, note("a")).empty());  // again: nothing
    auto second = append(harness, inbox, {"bob"}, note("b"));
    REQUIRE(second.size() == 1);
    CHECK(second[0].id == 2);  // no gap where "a" was refused
    CHECK(append(harness, inbox, {"ann"}, note("b"))[0].id == 2);

    auto items = inbox.list("bob", false, std::nullopt, 10);
    REQUIRE(items.size() == 2);
    CHECK(items[0].id == 2);  // newest first
    CHECK(items[0].notification.key == "b");
    CHECK(items[1].notification.data == R"({"n":1})");
    CHECK(inbox.since("bob", 1, 10).size() == 1);
    CHECK(inbox.mark_read("bob", {1, 99}) == 1);
    CHECK(inbox.list("bob", true, std::nullopt, 10).size() == 1);
    CHECK(inbox.mark_read_up_to("bob", 2) == 1);
    CHECK(inbox.list("bob", true, std::nullopt, 10).empty());
    CHECK(inbox.last_ids({"ann", "bob", "zed"}) ==
          std::map<std::string, std::int64_t>{{"ann", 2}, {"bob", 2}});
  }
}

TEST_CASE("notifications store: racing writers leave every user's ids without gaps") {
  FOR_EACH_DATABASE {
    TaskHarness harness(backend);
    migrate(harness);
    FollowerStore followers(harness.database());
    InboxStore inbox(harness.database());
    SportsStore sports(harness.database());
    auto club = team(sports, "Legia");
    std::vector<std::string> users{"u1", "u2", "u3"};
    for (const auto& user : users) followers.follow(user, club.id, {});
    // Four writers deliver the same 30 keys (each key twice over): every
    // user gets each key once, numbered 1..30.
    std::vector<std::thread> writers;
    for (int writer = 0; writer < 4; ++writer) {
      writers.emplace_back([&, writer] {
        for (int i = 0; i < 30; ++i) {
          auto key = std::to_string((i + writer * 7) % 30);
          for (int tries = 0; tries < 50; ++tries) {
            try {
              append(harness, inbox, users, note(key));
              break;
            } catch (const std::exception&) {
              std::this_thread::sleep_for(std::chrono::milliseconds(5));  // SQLite busy
            }
          }
        }
      });
    }
    for (auto& writer : writers) writer.join();
    for (const auto& user : users) {
      auto items = inbox.since(user, 0, 100);
      REQUIRE(items.size() == 30);
      std::set<std::string> keys;
      for (std::size_t i = 0; i < items.size(); ++i) {
        CHECK(items[i].id == static_cast<std::int64_t>(i + 1));
        keys.insert(items[i].notification.key);
      }
      CHECK(keys.size() == 30);
    }
  }
}

TEST_CASE("notifications store: match changes bump the version and record live events, "
          "whose batches keep later events waiting") {
  FOR_EACH_DATABASE {
    TaskHarness harness(backend);
    migrate(harness);
    SportsStore sports(harness.database());
    auto home = team(sports, "Górnik"), away = team(sports, "Legia");
    Match match;
    match.competition = "Ekstraklasa";
    match.home_team_id = home.id;
    match.away_team_id = away.id;
    match.starts_at = 1'800'000'000'000;
    match.venue = "Arena";
    auto created = sports.create_match(match, {}).after;
    CHECK(created.version == 1);
    CHECK(created.venue == std::optional<std::string>("Arena"));

    bool also_ran = false;
    auto change = sports.update_match(
        created.id,
        [](Match m) {
          m.status = "live";
          m.score = Score{1, 0};
          return m;
        },
        [&](soci::session&, const MatchChange&) { also_ran = true; });
    REQUIRE(change);
    CHECK(also_ran);
    CHECK(change->after.version == 2);
    REQUIRE(change->events.size() == 2);
    CHECK(change->events[0].kind == "start");
    CHECK(change->events[1].kind == "score");
    CHECK(sports.event(change->events[1].id)->payload.find(R"("score":{"home":1,"away":0})") !=
          std::string::npos);
    CHECK(sports.stalled_events(orchestra::unix_ms() + 1, 10).size() == 2);
    auto first = change->events[0].id, second = change->events[1].id;
    CHECK_FALSE(sports.earlier_pending(created.id, first));
    CHECK(sports.earlier_pending(created.id, second));  // the first is not fanned out
    {
      soci::session session(harness.database().pool());
      sports.record_batches(session, first, 3);
      CHECK(sports.earlier_pending(created.id, second));  // its fan-out has not queued them
      sports.record_batches(session, first, 2);  // run again, with fewer followers
      sports.mark_fanned_out(session, first);
      CHECK(sports.earlier_pending(created.id, second));  // its two batches are on their way
      sports.batch_done(session, first, 0);
      sports.batch_done(session, first, 0);  // a batch run twice
      CHECK(sports.earlier_pending(created.id, second));
      sports.batch_done(session, first, 1);
    }
    CHECK_FALSE(sports.earlier_pending(created.id, second));
    CHECK(sports.stalled_events(orchestra::unix_ms() + 1, 10).size() == 1);

    auto stored = sports.match(created.id);
    REQUIRE(stored);
    CHECK(stored->score == std::optional<Score>(Score{1, 0}));
    CHECK_FALSE(sports.update_match(999, [](Match m) { return m; }, {}));
    CHECK_THROWS_AS(sports.delete_team(home.id), orchestra::http::HttpError);  // it plays

    MatchFilter filter;
    filter.team = away.id;
    filter.status = "live";
    CHECK(sports.matches(filter).size() == 1);
    filter.status = "scheduled";
    CHECK(sports.matches(filter).empty());
    CHECK(sports.delete_match(created.id));
    CHECK(sports.delete_team(home.id));
  }
}

TEST_CASE("notifications store: followers page by user, digests come due") {
  FOR_EACH_DATABASE {
    TaskHarness harness(backend);
    migrate(harness);
    SportsStore sports(harness.database());
    FollowerStore followers(harness.database());
    auto a = team(sports, "Alpha"), b = team(sports, "Beta");
    // Real Unix milliseconds: past 32 bits, as PostgreSQL must take them.
    auto base = orchestra::unix_ms();
    for (int i = 0; i < 5; ++i) {
      followers.follow("user" + std::to_string(i), i % 2 ? a.id : b.id, {base + i, std::nullopt});
    }
    followers.follow("user0", a.id, {});  // follows both: listed once
    auto page = followers.followers({a.id, b.id}, "", 3);
    REQUIRE(page.size() == 3);
    CHECK(page[0].user == "user0");
    CHECK(followers.followers({a.id, b.id}, page.back().user, 10).size() == 2);
    CHECK(followers.follows("user0") == std::vector<std::int64_t>{a.id, b.id});

    auto due = followers.due(DigestKind::daily, base + 2, 10);
    REQUIRE(due.size() == 3);  // due at 1000, 1001 and 1002
    CHECK(due[0].user == "user0");
    CHECK(followers.due(DigestKind::weekly, base + 5000, 10).empty());
    {
      soci::session session(harness.database().pool());
      followers.set_next(session, DigestKind::daily, "user0", std::nullopt);
      followers.set_next(session, DigestKind::daily, "user1", base + 86'400'000);
    }
    CHECK(followers.due(DigestKind::daily, base + 2, 10).size() == 1);

    Preferences custom;
    custom.reminders = {90, 15};
    followers.save_preferences("user1", custom, {base + 3'600'000, base + 7'200'000});
    CHECK(followers.preferences("user1").reminders == std::vector<int>{90, 15});
    soci::session session(harness.database().pool());
    auto offsets = followers.reminder_offsets(session, {a.id});
    CHECK(offsets == std::vector<int>{15, 60, 90});
  }
}

TEST_CASE("notifications store: each webhook attempt is claimed once, states move only from "
          "where they were") {
  FOR_EACH_DATABASE {
    TaskHarness harness(backend);
    migrate(harness);
    WebhookStore webhooks(harness.database());
    auto now = orchestra::unix_ms();
    webhooks.create(Webhook{"wh_1", "ann", "https://example.com/hook", {"match.score"},
                            "whsec_x", true, std::nullopt, now});
    webhooks.create(Webhook{"wh_2", "bob", "https://example.com/b", {"reminder"}, "whsec_y", true,
                            std::nullopt, now});
    soci::session session(harness.database().pool());
    auto receiving = webhooks.receiving(session, {"ann", "bob"}, "match.score");
    REQUIRE(receiving.size() == 1);
    CHECK(receiving[0].id == "wh_1");
    CHECK(receiving[0].events == std::vector<std::string>{"match.score"});

    Delivery delivery;
    delivery.id = "msg_1";
    delivery.webhook_id = "wh_1";
    delivery.event_type = "match.score";
    delivery.payload = "{}";
    delivery.attempts_allowed = 3;
    delivery.created_at = delivery.updated_at = now;
    delivery.next_attempt_at = now;
    webhooks.create_delivery(session, delivery);

    CHECK_FALSE(webhooks.claim("msg_1", 2, now));  // not the next attempt
    REQUIRE(webhooks.claim("msg_1", 1, now));
    CHECK_FALSE(webhooks.claim("msg_1", 1, now));  // a second run of the same attempt
    CHECK(webhooks.overdue(now + 1, now - 1, 10).empty());
    CHECK(webhooks.overdue(now + 1, now + 1, 10).size() == 1);  // stuck while sending

    auto failed = delivery;
    failed.attempts = 1;
    failed.status = "pending";
    failed.next_attempt_at = now + 5'000;
    failed.updated_at = now + 10;
    CHECK(webhooks.record(session, failed, DeliveryAttempt{1, now, 12, 500, std::nullopt}));
    CHECK_FALSE(webhooks.record(session, failed, DeliveryAttempt{1, now, 12, 500, std::nullopt}));
    auto stored = webhooks.delivery("msg_1");
    REQUIRE(stored);
    CHECK(stored->status == "pending");
    CHECK(stored->attempts == 1);
    CHECK(stored->next_attempt_at == now + 5'000);
    REQUIRE(stored->history.size() == 1);
    CHECK(stored->history[0].status_code == 500);
    CHECK(webhooks.overdue(now + 5'001, now - 1, 10).size() == 1);

    auto dead = *stored;
    dead.status = "dead";
    dead.next_attempt_at.reset();
    CHECK(webhooks.update(session, dead, "pending", 1));
    CHECK_FALSE(webhooks.update(session, dead, "pending", 1));  // moved on already
    webhooks.set_enabled(session, "wh_1", false, std::string("410 Gone"));
    CHECK(webhooks.find("wh_1")->disabled_reason == std::optional<std::string>("410 Gone"));
    CHECK(webhooks.receiving(session, {"ann"}, "match.score").empty());
    CHECK_FALSE(webhooks.set_enabled("bob", "wh_1", true));  // not bob's
    CHECK(webhooks.set_enabled("ann", "wh_1", true));
    CHECK(webhooks.deliveries("wh_1", std::nullopt, 10).size() == 1);
    CHECK_FALSE(webhooks.remove("bob", "wh_1"));
    CHECK(webhooks.remove("ann", "wh_1"));
  }
}

TEST_CASE("notifications store: teams and matches go into the change feed with their change") {
  FOR_EACH_DATABASE {
    TaskHarness harness(backend);
    migrate(harness);
    orchestra::changes::SqlChangeFeed feed(harness.database());
    SportsStore sports(harness.database(), &feed);
    auto home = team(sports, "Górnik"), away = team(sports, "Legia");
    Match match;
    match.competition = "Cup";
    match.home_team_id = home.id;
    match.away_team_id = away.id;
    match.starts_at = 1'800'000'000'000;
    auto created = sports.create_match(match, {}).after;
    sports.update_match(created.id, [](Match m) {
      m.venue = "Arena";
      return m;
    }, {});
    // The feed keeps each document's latest entry: the match once.
    auto changed = feed_entries(feed, kMatchesSource, {}, 1);
    REQUIRE(changed.size() == 1);
    CHECK(changed[0].document->find(R"("venue":"Arena")") != std::string::npos);
    CHECK(changed[0].document->find(R"("home_team":"Górnik","away_team":"Legia")") !=
          std::string::npos);
    home.name = "Górnik Zabrze";
    CHECK(sports.update_team(home));

    auto teams = feed_entries(feed, kTeamsSource, {}, 2);
    REQUIRE(teams.size() == 2);
    CHECK(teams[1].key == std::to_string(home.id));
    CHECK(teams[1].document->find("Górnik Zabrze") != std::string::npos);
    // Again for the team's new name.
    auto matches = feed_entries(feed, kMatchesSource, {}, 1);
    REQUIRE(matches.size() == 1);
    CHECK(matches[0].position > changed[0].position);
    CHECK(matches[0].document->find(R"("home_team":"Górnik Zabrze")") != std::string::npos);

    CHECK(sports.delete_match(created.id));
    CHECK(sports.delete_team(away.id));
    auto removed = feed_entries(feed, kMatchesSource, matches.back().position, 1);
    REQUIRE(removed.size() == 1);
    CHECK_FALSE(removed[0].document);
    auto gone = feed_entries(feed, kTeamsSource, teams.back().position, 1);
    REQUIRE(gone.size() == 1);
    CHECK_FALSE(gone[0].document);
  }
}
