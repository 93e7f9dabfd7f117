// Live events through the plugin's own parts and a real worker, on every
// task backend: the order in which a match's events reach followers must
// never hold an event back for good, nor let a batch die of waiting.

#include "support/db_helpers.hpp"
#include "support/task_harness.hpp"
#include "support/wait_until.hpp"

#include "db/migrations.hpp"
#include "events/local_event_bus.hpp"
#include "log/logging.hpp"
#include "match_notices.hpp"

#include <orchestra/clock.hpp>
#include <orchestra/json.hpp>

#include <doctest/doctest.h>

#include <thread>

using namespace orchestra::testing;
using namespace notifications;
using namespace std::chrono_literals;

namespace {

// The plugin's task view, which also notes, for every delivery batch queued,
// whether its record was already visible to another session: a worker may
// run the batch as soon as it is queued.
class BatchCheckingTasks final : public orchestra::tasks::Tasks {
 public:
  BatchCheckingTasks(orchestra::tasks::Tasks& tasks, orchestra::db::Database& database)
      : tasks_(tasks), database_(database) {}

  void define(const std::string& type, orchestra::tasks::Handler handler,
              orchestra::tasks::TaskOptions options) override {
    tasks_.define(type, std::move(handler), std::move(options));
  }
  std::string enqueue(orchestra::tasks::NewTask task) override {
    note({task});
    return tasks_.enqueue(std::move(task));
  }
  std::vector<std::string> enqueue_many(std::vector<orchestra::tasks::NewTask> tasks) override {
    note(tasks);
    return tasks_.enqueue_many(std::move(tasks));
  }
  std::vector<std::string> enqueue_in(soci::session& session,
                                      std::vector<orchestra::tasks::NewTask> tasks) override {
    note(tasks);
    return tasks_.enqueue_in(session, std::move(tasks));
  }
  bool transactional() const override { return tasks_.transactional(); }
  std::optional<orchestra::tasks::TaskStatus> status(const std::string& id) override {
    return tasks_.status(id);
  }
  std::map<std::string, std::int64_t> counts(const std::string& type) override {
    return tasks_.counts(type);
  }
  orchestra::tasks::TaskStatusPage list(const orchestra::tasks::TaskQuery& query) override {
    return tasks_.list(query);
  }

  int batches_queued() const { return queued_; }
  int batches_queued_unrecorded() const { return unrecorded_; }

 private:
  void note(const std::vector<orchestra::tasks::NewTask>& tasks) {
    for (const auto& task : tasks) {
      if (task.type != kDeliverType) continue;
      auto order = read_batch_payload(task.payload).order;
      if (!order) continue;
      ++queued_;
      soci::session session(database_.pool());
      int recorded = 0;
      session << "SELECT COUNT(*) FROM notification_event_batches WHERE event_id = :e AND "
                 "batch = :b",
          soci::use(order->event), soci::use(order->batch), soci::into(recorded);
      if (recorded == 0) ++unrecorded_;
    }
  }

  orchestra::tasks::Tasks& tasks_;
  orchestra::db::Database& database_;
  std::atomic<int> queued_{0};
  std::atomic<int> unrecorded_{0};
};

Settings small_batches() {
  Settings settings;
  settings.batch_size = 2;
  settings.retry_schedule = {0ms};
  return settings;
}

// The plugin's parts on one harness, with the delivery task defined as the
// plugin defines it.
struct LivePipeline {
  explicit LivePipeline(TaskHarness& harness)
      : plugin_tasks("notifications", harness.service()),
        tasks(plugin_tasks, harness.database()),
        events(orchestra::log::logger("events-test")),
        sports(harness.database()),
        followers(harness.database()),
        inbox(harness.database()),
        webhooks(harness.database()),
        settings(small_batches()),
        notifier(harness.database(), tasks, events, inbox, webhooks, settings),
        notices(harness.database(), tasks, sports, followers, notifier) {
    auto root = std::filesystem::path(ORCHESTRA_SOURCE_DIR) / "sql";
    orchestra::db::apply_migrations(
        harness.database(), root,
        orchestra::db::discover_migrations(root, {"core", "notifications"},
                                           harness.database().dialect()));
    tasks.define(kDeliverType, [this](orchestra::tasks::TaskContext& context) {
      return notices.deliver(read_batch_payload(context.payload()), context);
    }, {});
    tasks.define(kFanOutType, [this](orchestra::tasks::TaskContext& context) {
      auto payload = orchestra::json::parse_object(context.payload());
      return notices.fan_out(orchestra::json::ObjectReader(payload).require<std::int64_t>("event"));
    }, {});
  }

  // A live match of two new teams followed by `fans` users; its start
  // and score events.
  std::pair<Match, std::vector<LiveEvent>> live_match(int fans) {
    auto home = sports.create_team(Team{0, "Home", "HOM", "PL", std::nullopt, 0, 0});
    auto away = sports.create_team(Team{0, "Away", "AWA", "PL", std::nullopt, 0, 0});
    for (int i = 0; i < fans; ++i) followers.follow(fan(i), home.id, {});
    Match match;
    match.competition = "Cup";
    match.home_team_id = home.id;
    match.away_team_id = away.id;
    match.starts_at = orchestra::unix_ms() + 3'600'000;
    auto created = sports.create_match(match, {}).after;
    auto change = sports.update_match(
        created.id,
        [](Match m) {
          m.status = "live";
          m.score = Score{1, 0};
          return m;
        },
        {});
    REQUIRE(change);
    REQUIRE(change->events.size() == 2);
    return {change->after, change->events};
  }

  static std::string fan(int i) { return "fan" + std::to_string(i); }

  std::size_t inbox_size(int i) { return inbox.list(fan(i), false, std::nullopt, 100).size(); }
  bool every_inbox_has(int fans, std::size_t items) {
    for (int i = 0; i < fans; ++i) {
      if (inbox_size(i) < items) return false;
    }
    return true;
  }
  // Whether every batch of the match's events up to `event` is delivered.
  bool all_delivered(const Match& match, std::int64_t event) {
    return !sports.earlier_pending(match.id, event + 1);
  }
  // The kinds in fan i's inbox, oldest first.
  std::vector<std::string> inbox_kinds(int i) {
    std::vector<std::string> kinds;
    for (const auto& item : inbox.list(fan(i), false, std::nullopt, 100)) {
      kinds.insert(kinds.begin(), item.notification.kind);
    }
    return kinds;
  }

  orchestra::tasks::PluginTasks plugin_tasks;
  BatchCheckingTasks tasks;
  orchestra::events::LocalEventBus events;
  SportsStore sports;
  FollowerStore followers;
  InboxStore inbox;
  WebhookStore webhooks;
  Settings settings;
  Notifier notifier;
  MatchNotices notices;
};

#define FOR_EACH_BACKEND                     \
  for (auto backend : backends_under_test()) \
    SUBCASE(backend_name(backend))

}  // namespace

TEST_CASE("notifications live events: a fan-out records its batches before a worker can "
          "deliver them, so none stays pending and holds later events back") {
  FOR_EACH_BACKEND {
    TaskHarness harness(backend);
    LivePipeline pipeline(harness);
    harness.open();
    harness.start_worker(4);
    constexpr int kFans = 7;  // four batches of at most two
    auto [match, events] = pipeline.live_match(kFans);

    for (const auto& event : events) pipeline.notices.fan_out(event.id);
    wait_until([&] { return pipeline.every_inbox_has(kFans, 2); }, 20s,
               "both events in every fan's inbox");
    CHECK(pipeline.tasks.batches_queued() == 8);
    CHECK(pipeline.tasks.batches_queued_unrecorded() == 0);
    wait_until([&] { return pipeline.all_delivered(match, events[1].id); }, 10s,
               "every batch of the match done");

    // A fan-out run again (its worker died after queuing) finds its
    // batches delivered and records nothing that stays.
    pipeline.notices.fan_out(events[1].id);
    wait_until([&] { return pipeline.all_delivered(match, events[1].id); }, 10s,
               "the repeated batches done");
    for (int i = 0; i < kFans; ++i) CHECK(pipeline.inbox_size(i) == 2);
  }
}

TEST_CASE("notifications live events: a batch held back by an earlier event waits 30 s from its "
          "fan-out, not from the start of its latest run") {
  FOR_EACH_BACKEND {
    TaskHarness harness(backend);
    LivePipeline pipeline(harness);
    harness.open();
    harness.start_worker(2);
    auto [match, events] = pipeline.live_match(1);
    // The start event is never fanned out; the score's batch was fanned
    // out 29.5 s ago (its worker since died, and this run starts afresh).
    Notification score{"match.score", "live:score", "Score", R"({"n":1})",
                       orchestra::unix_ms() - 29'500};
    auto batch = pipeline.notifier.batches({LivePipeline::fan(0)}, score,
                                           LiveOrder{events[1].id, match.id, 0});
    REQUIRE(batch.size() == 1);
    auto id = harness.enqueue(std::move(batch.front()));

    std::this_thread::sleep_for(100ms);
    CHECK(pipeline.inbox_size(0) == 0);  // still waiting for the start
    harness.wait_for(id, orchestra::tasks::State::succeeded, 10s);
    CHECK(pipeline.inbox_size(0) == 1);
  }
}

TEST_CASE("notifications live events: the sweep delivers a batch whose task died, and clears a "
          "record that came back, in order") {
  FOR_EACH_BACKEND {
    TaskHarness harness(backend);
    LivePipeline pipeline(harness);
    harness.open();
    harness.start_worker(2);
    constexpr int kFans = 3;  // two batches
    auto [match, events] = pipeline.live_match(kFans);
    // The start event's fan-out recorded and queued its batches, whose
    // tasks then died (ten worker deaths); the score's never ran.
    {
      soci::session session(harness.database().pool());
      pipeline.sports.record_batches(session, events[0].id, 2);
      pipeline.sports.mark_fanned_out(session, events[0].id);
    }
    auto sweep_time = [] { return orchestra::unix_ms() + 1; };
    CHECK(pipeline.notices.requeue_unfinished(sweep_time()) == 2);
    wait_until([&] {
      return pipeline.every_inbox_has(kFans, 2) && pipeline.all_delivered(match, events[1].id);
    }, 20s, "both events delivered after the sweep");
    for (int i = 0; i < kFans; ++i) {
      CHECK(pipeline.inbox_kinds(i) == std::vector<std::string>{"match.started", "match.score"});
    }

    // A repeated fan-out brought a delivered batch's record back while
    // that batch's task was finishing: the next sweep clears it.
    {
      soci::session session(harness.database().pool());
      pipeline.sports.record_batches(session, events[1].id, 1);
    }
    CHECK_FALSE(pipeline.all_delivered(match, events[1].id));
    CHECK(pipeline.notices.requeue_unfinished(sweep_time()) == 1);
    wait_until([&] { return pipeline.all_delivered(match, events[1].id); }, 10s,
               "the record cleared");
    for (int i = 0; i < kFans; ++i) CHECK(pipeline.inbox_size(i) == 2);
    CHECK(pipeline.notices.requeue_unfinished(sweep_time()) == 0);
  }
}
