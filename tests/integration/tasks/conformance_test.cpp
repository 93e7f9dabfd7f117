// The task backend conformance suite: every guarantee of DESIGN.md §5,
// run unchanged against each backend.

#include "support/task_harness.hpp"

#include <orchestra/db.hpp>
#include "tasks/redis/redis_client.hpp"

#include <doctest/doctest.h>

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <thread>

using namespace orchestra::testing;
using namespace orchestra::tasks;
using namespace std::chrono_literals;

namespace {

NewTask task(std::string type, std::string payload = "{}") {
  NewTask result;
  result.type = std::move(type);
  result.payload = std::move(payload);
  return result;
}

std::vector<ClaimedTask> claim(TaskQueue& queue, std::size_t limit, bool oldest_first = false,
                               const std::string& worker = "probe") {
  std::size_t stale = 0;
  return queue.exchange({}, worker, {"test"}, {"test.noop", "test.sleep", "test.value"}, limit,
                        oldest_first, stale);
}

}  // namespace

TEST_CASE("a task runs once and stores its result") {
  FOR_EACH_BACKEND {
    TaskHarness harness(backend);
    harness.open();
    harness.start_worker();
    auto id = harness.enqueue(task("test.value", R"({"value":42})"));
    auto record = harness.wait_for(id, State::succeeded);
    CHECK(record.result == std::optional<std::string>(R"({"value":42})"));
    CHECK(record.attempts == 1);
    CHECK(record.started_at.has_value());
    CHECK(record.finished_at >= record.started_at);
  }
}

TEST_CASE("failed attempts retry with backoff, then the task is dead and re-runnable") {
  FOR_EACH_BACKEND {
    TaskHarness harness(backend);
    harness.open();
    harness.start_worker();
    auto recovers = harness.enqueue(task("test.flaky", R"({"fail_times":2})"));
    CHECK(harness.wait_for(recovers, State::succeeded).attempts == 3);

    auto gives_up = harness.enqueue(task("test.flaky", R"({"fail_times":5})"));
    auto dead = harness.wait_for(gives_up, State::dead);
    CHECK(dead.attempts == 3);
    CHECK(dead.error == std::optional<std::string>("failure 3"));
    // Each attempt's error, for the task's page.
    auto failures = harness.queue().get(gives_up)->attempt_errors;
    REQUIRE(failures.size() == 3);
    for (int i = 0; i < 3; ++i) {
      CHECK(failures[i].attempt == i + 1);
      CHECK(failures[i].error == fmt::format("failure {}", i + 1));
      CHECK(failures[i].failed_at > 0);
    }
    CHECK(harness.queue().get(recovers)->attempt_errors.size() == 2);

    auto permanent = harness.enqueue(task("test.permanent"));
    CHECK(harness.wait_for(permanent, State::dead).attempts == 1);

    CHECK(harness.queue().retry(permanent) == Transition::done);
    CHECK(harness.wait_for(permanent, State::dead).attempts == 1);
    CHECK(harness.queue().retry(recovers) == Transition::illegal);
    CHECK(harness.queue().retry("no-such-task") == Transition::not_found);
  }
}

TEST_CASE("an expired lease is reclaimed and the late result of its old holder is discarded") {
  FOR_EACH_BACKEND {
    TaskHarness harness(backend);
    harness.open();
    auto id = harness.enqueue(task("test.noop"));
    auto held = claim(harness.queue(), 1, false, "crashed-worker");
    REQUIRE(held.size() == 1);
    CHECK(held[0].attempt == 1);
    std::this_thread::sleep_for(1100ms);  // the 1 s lease runs out
    harness.start_worker();
    auto record = harness.wait_for(id, State::succeeded);
    CHECK(record.attempts == 2);
    std::size_t stale = 0;
    harness.queue().exchange(
        {Outcome{id, held[0].token, Outcome::Kind::dead, "late failure", 0}}, "crashed-worker",
        {}, {}, 0, false, stale);
    CHECK(stale == 1);
    CHECK(harness.queue().get(id)->state == State::succeeded);
    auto lost = harness.queue().extend_leases({{id, held[0].token}});
    CHECK(lost.front() == LeaseState::lost);
  }
}

TEST_CASE("a batch of successes: applied ones succeed, a cancelled one ends cancelled, a stale one is counted") {
  FOR_EACH_BACKEND {
    TaskHarness harness(backend);
    harness.open();
    auto ok = harness.enqueue(task("test.noop"));
    auto cancelled = harness.enqueue(task("test.noop"));
    auto child = task("test.sum");
    child.depends_on = {cancelled};
    auto dependent = harness.enqueue(child);
    auto held = claim(harness.queue(), 2);
    REQUIRE(held.size() == 2);
    CHECK(harness.queue().cancel(cancelled) == Transition::done);  // running: only requested
    std::vector<Outcome> outcomes;
    for (const auto& claimed : held) {
      outcomes.push_back(Outcome{claimed.id, claimed.token, Outcome::Kind::succeeded, "{}", 0});
    }
    outcomes.push_back(Outcome{ok, held[0].id == ok ? held[0].token + 7 : held[1].token + 7,
                               Outcome::Kind::succeeded, "{}", 0});
    std::size_t stale = 0;
    harness.queue().exchange(outcomes, "probe", {}, {}, 0, false, stale);
    CHECK(stale == 1);
    CHECK(harness.queue().get(ok)->state == State::succeeded);
    CHECK(harness.queue().get(cancelled)->state == State::cancelled);
    CHECK(harness.queue().get(dependent)->state == State::dead);
  }
}

TEST_CASE("heartbeats keep a long task's lease alive") {
  FOR_EACH_BACKEND {
    TaskHarness harness(backend);
    harness.open();
    harness.start_worker();
    auto id = harness.enqueue(task("test.sleep", R"({"ms":1200})"));
    auto record = harness.wait_for(id, State::succeeded);
    CHECK(record.attempts == 1);
    CHECK(TaskHarness::runs_of(id) == 1);
  }
}

TEST_CASE("higher priority is claimed first, and every tenth claim takes the oldest") {
  FOR_EACH_BACKEND {
    TaskHarness harness(backend);
    harness.open();
    auto low = task("test.noop");
    low.priority = 0;
    auto low_id = harness.enqueue(low);
    auto high = task("test.noop");
    high.priority = kUserPriority;
    auto high_id = harness.enqueue(high);
    auto by_priority = claim(harness.queue(), 1);
    REQUIRE(by_priority.size() == 1);
    CHECK(by_priority[0].id == high_id);
    harness.enqueue(high);
    auto by_age = claim(harness.queue(), 1, true);
    REQUIRE(by_age.size() == 1);
    CHECK(by_age[0].id == low_id);
  }
}

TEST_CASE("a delayed task is invisible until its run_at") {
  FOR_EACH_BACKEND {
    TaskHarness harness(backend);
    harness.open();
    auto delayed = task("test.noop");
    delayed.run_at = Clock::now() + 1200ms;
    auto id = harness.enqueue(delayed);
    CHECK(harness.queue().get(id)->state == State::scheduled);
    CHECK(claim(harness.queue(), 10).empty());
    std::this_thread::sleep_for(1300ms);
    auto claimed = claim(harness.queue(), 10);
    REQUIRE(claimed.size() == 1);
    CHECK(claimed[0].id == id);
  }
}

TEST_CASE("a unique key admits one live task") {
  FOR_EACH_BACKEND {
    TaskHarness harness(backend);
    harness.open();
    auto unique = task("test.noop");
    unique.unique_key = "only-one";
    auto first = harness.enqueue(unique);
    CHECK(harness.enqueue(unique) == first);
    auto batch = harness.service().enqueue({unique, unique});
    CHECK(batch == std::vector<std::string>{first, first});
    harness.start_worker();
    harness.wait_for(first, State::succeeded);
    auto next = harness.enqueue(unique);
    CHECK(next != first);
  }
}

TEST_CASE("cancelling: a queued task never runs, a running one sees cancelled()") {
  FOR_EACH_BACKEND {
    TaskHarness harness(backend);
    harness.open();
    auto queued = harness.enqueue(task("test.noop"));
    CHECK(harness.queue().cancel(queued) == Transition::done);
    CHECK(harness.queue().cancel(queued) == Transition::illegal);
    CHECK(harness.queue().cancel("missing") == Transition::not_found);
    harness.start_worker();
    auto running = harness.enqueue(task("test.sleep", R"({"ms":5000})"));
    harness.wait_for(running, State::running);
    CHECK(harness.queue().cancel(running) == Transition::done);
    auto record = harness.wait_for(running, State::cancelled);
    CHECK(record.result == std::nullopt);
    std::this_thread::sleep_for(100ms);
    CHECK(harness.queue().get(queued)->state == State::cancelled);
    CHECK(TaskHarness::runs_of(queued) == 0);
  }
}

TEST_CASE("finished tasks past retention are purged with their attempts' errors, live ones stay") {
  FOR_EACH_BACKEND {
    TaskHarness harness(backend);
    harness.open();
    harness.start_worker();
    auto dead = harness.enqueue(task("test.flaky", R"({"fail_times":5})"));
    harness.wait_for(dead, State::dead);
    auto later = task("test.noop");
    later.run_at = Clock::now() + std::chrono::hours(1);
    auto waiting = harness.enqueue(later);
    CHECK(harness.queue().purge(orchestra::tasks::now_millis() + 1) >= 1);
    CHECK_FALSE(harness.queue().get(dead));
    CHECK(harness.queue().get(waiting));
    if (backend != Backend::redis) {
      soci::session session(harness.database().pool());
      long long left = -1;
      session << "SELECT COUNT(*) FROM task_attempt_errors WHERE task_id = :id", soci::use(dead),
          soci::into(left);
      CHECK(left == 0);
    }
    auto again = harness.enqueue(task("test.flaky", R"({"fail_times":5})"));
    CHECK(harness.wait_for(again, State::dead).attempt_errors.size() == 3);
  }
}

TEST_CASE("a flow runs a task after its dependencies and hands it their results") {
  FOR_EACH_BACKEND {
    TaskHarness harness(backend);
    harness.open();
    auto sum = task("test.sum");
    sum.depends_on = {"@0", "@1"};
    auto ids = harness.service().enqueue(
        {task("test.value", R"({"value":2})"), task("test.value", R"({"value":3})"), sum});
    REQUIRE(ids.size() == 3);
    CHECK(harness.queue().get(ids[2])->pending_dependencies == 2);
    auto parents = std::vector<std::string>{ids[0], ids[1]};
    std::sort(parents.begin(), parents.end());
    CHECK(harness.queue().dependencies(ids[2]) == parents);  // what the task page shows
    CHECK(harness.queue().dependencies(ids[0]).empty());
    CHECK(harness.queue().dependents(ids[0]) == std::vector<std::string>{ids[2]});
    CHECK(harness.queue().dependents(ids[2]).empty());
    harness.start_worker();
    auto record = harness.wait_for(ids[2], State::succeeded);
    CHECK(record.result == std::optional<std::string>(R"({"value":5})"));

    auto after_failure = task("test.sum");
    after_failure.depends_on = {"@0"};
    auto failing = harness.service().enqueue({task("test.permanent"), after_failure});
    auto dependent = harness.wait_for(failing[1], State::dead);
    CHECK(dependent.error->find("ended dead") != std::string::npos);

    auto orphan = task("test.sum");
    orphan.depends_on = {"00000000-0000-7000-8000-000000000000"};
    CHECK_THROWS_AS(harness.enqueue(orphan), EnqueueError);
  }
}

TEST_CASE("transactional enqueue: the task exists if and only if the transaction commits") {
  FOR_EACH_BACKEND {
    TaskHarness harness(backend);
    harness.open();
    soci::session session(harness.database().pool());
    if (backend == Backend::redis) {
      CHECK_THROWS_WITH_AS(harness.service().enqueue_in(session, {task("test.noop")}),
                           doctest::Contains("needs the sql queue backend"), EnqueueError);
      continue;
    }
    std::string kept, dropped;
    {
      orchestra::db::WriteTransaction transaction(session, harness.database().dialect());
      dropped = harness.service().enqueue_in(session, {task("test.noop")}).front();
    }
    {
      orchestra::db::WriteTransaction transaction(session, harness.database().dialect());
      kept = harness.service().enqueue_in(session, {task("test.noop")}).front();
      transaction.commit();
    }
    CHECK_FALSE(harness.queue().get(dropped).has_value());
    CHECK(harness.queue().get(kept).has_value());
  }
}

TEST_CASE("graceful stop releases the leases of handlers that did not finish") {
  FOR_EACH_BACKEND {
    TaskHarness harness(backend);
    harness.open();
    harness.start_worker(1);
    // Stubborn: ignores cancelled(), so it is still running after the grace.
    auto long_task = harness.enqueue(task("test.sleep", R"({"ms":3000,"stubborn":true})"));
    auto waiting = harness.enqueue(task("test.noop"));
    harness.wait_for(long_task, State::running);
    // Running in the record comes before the handler starts: under load a
    // stop in between found nothing to wait for.
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (TaskHarness::runs_of(long_task) == 0 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(5ms);
    }
    CHECK_FALSE(harness.service().stop(200ms));
    auto record = harness.queue().get(long_task);
    CHECK(record->state == State::queued);
    CHECK(record->attempts == 0);
    CHECK(harness.queue().get(waiting)->state == State::queued);
    std::this_thread::sleep_for(3000ms);  // let the detached handler finish before teardown
  }
}

TEST_CASE("near the end of the grace period a handler is told to stop, its task is requeued") {
  FOR_EACH_BACKEND {
    TaskHarness harness(backend);
    harness.open();
    harness.start_worker(1);
    auto long_task = harness.enqueue(task("test.sleep", R"({"ms":30000})"));
    harness.wait_for(long_task, State::running);
    CHECK(harness.service().stop(1s));
    auto record = harness.queue().get(long_task);
    CHECK(record->state == State::queued);
    CHECK(record->attempts == 0);
    CHECK_FALSE(record->result);
  }
}

TEST_CASE("schedules fire once per fire time across workers, with bounded catch-up") {
  FOR_EACH_BACKEND {
    TaskHarness harness(backend);
    ScheduleDefinition every_second;
    every_second.name = "test.tick";
    every_second.type = "test.noop";
    every_second.payload = "{}";
    every_second.spec = "every 1s";
    every_second.interval = 1000ms;
    harness.service().add_schedule(every_second);
    harness.open();
    auto other = harness.another_service();
    other->add_schedule(every_second);
    orchestra::config::WorkerConfig config;
    config.concurrency = 1;
    config.poll_interval = 20ms;
    config.name = "second";
    other->start_worker(config);
    harness.start_worker(1, "first");
    std::this_thread::sleep_for(3500ms);
    harness.service().stop(1s);
    other->stop(1s);
    auto page = harness.queue().list(ListFilter{std::nullopt, {"test.noop"}, std::nullopt, 100, {}, {}});
    std::set<std::string> keys;
    for (const auto& record : page.tasks) keys.insert(record.unique_key.value_or(""));
    CHECK(page.tasks.size() >= 3);
    CHECK(page.tasks.size() <= 4);
    CHECK(keys.size() == page.tasks.size());

    auto last = harness.queue().last_firing("test.tick");
    REQUIRE(last.has_value());
    auto spec = harness.service().types().resolve({task("test.noop")}).front();
    CHECK(harness.queue().fire_schedule("test.tick", last->first - 60'000, spec));
    CHECK_FALSE(harness.queue().fire_schedule("test.tick", last->first, spec));
  }
}

TEST_CASE("two workers share the load and run every task exactly once") {
  FOR_EACH_BACKEND {
    TaskHarness harness(backend);
    harness.open();
    std::vector<NewTask> batch(300, task("test.noop"));
    auto ids = harness.service().enqueue(batch);
    auto other = harness.another_service();
    orchestra::config::WorkerConfig config;
    config.concurrency = 2;
    config.poll_interval = 20ms;
    config.name = "second";
    other->start_worker(config);
    harness.start_worker(2, "first");
    for (const auto& id : ids) harness.wait_for(id, State::succeeded);
    other->stop(1s);
    for (const auto& id : ids) CHECK(TaskHarness::runs_of(id) == 1);
    auto stats = harness.queue().stats();
    CHECK(stats.by_state["succeeded"] == 300);
  }
}

TEST_CASE("listing pages through tasks newest first and filters") {
  FOR_EACH_BACKEND {
    TaskHarness harness(backend);
    harness.open();
    std::vector<std::string> ids;
    for (int i = 0; i < 5; ++i) ids.push_back(harness.enqueue(task("test.noop")));
    harness.enqueue(task("test.value", R"({"value":1})"));
    ListFilter filter;
    filter.types = {"test.noop"};
    filter.limit = 2;
    auto first = harness.queue().list(filter);
    REQUIRE(first.tasks.size() == 2);
    CHECK(first.tasks[0].id == ids[4]);
    REQUIRE(first.next_cursor.has_value());
    filter.cursor = first.next_cursor;
    auto second = harness.queue().list(filter);
    REQUIRE(second.tasks.size() == 2);
    CHECK(second.tasks[0].id == ids[2]);
    filter.cursor.reset();
    filter.state = State::queued;
    filter.limit = 50;
    CHECK(harness.queue().list(filter).tasks.size() == 5);
    harness.queue().record_worker(WorkerInfo{"w1", {"default"}, {ids[0]}, 1, now_millis()});
    auto workers = harness.queue().workers(now_millis() - 1000);
    REQUIRE(workers.size() == 1);
    CHECK(workers[0].current_tasks == std::vector<std::string>{ids[0]});
  }
}

TEST_CASE("per-type concurrency and rate limits hold within a worker") {
  FOR_EACH_BACKEND {
    TaskHarness harness(backend);
    harness.open();
    TaskHarness::exclusive_peak() = 0;
    auto before = TaskHarness::throttled_starts().size();
    std::vector<NewTask> batch(6, task("test.exclusive"));
    auto exclusive = harness.service().enqueue(batch);
    std::vector<NewTask> throttled(10, task("test.throttled"));
    auto limited = harness.service().enqueue(throttled);
    harness.start_worker(4);
    for (const auto& id : exclusive) harness.wait_for(id, State::succeeded);
    for (const auto& id : limited) harness.wait_for(id, State::succeeded);
    CHECK(TaskHarness::exclusive_peak() == 1);
    auto starts = TaskHarness::throttled_starts();
    REQUIRE(starts.size() == before + 10);
    // A bucket of 5 tokens refilled at 5 per second: ten runs need at
    // least one second between the first and the last.
    CHECK(starts.back() - starts[before] >= 900ms);
  }
}

TEST_CASE("a worker that was down fires at most catch_up missed firings") {
  FOR_EACH_BACKEND {
    for (int catch_up : {0, 1}) {
      CAPTURE(catch_up);
      TaskHarness harness(backend);
      ScheduleDefinition hourly;
      hourly.name = "test.hourly";
      hourly.type = "test.noop";
      hourly.payload = "{}";
      hourly.spec = "every 1h";
      hourly.interval = std::chrono::hours(1);
      harness.service().add_schedule(hourly);
      harness.open();
      auto hour = 3'600'000LL;
      auto current = now_millis() / hour * hour;
      auto spec = harness.service().types().resolve({task("test.noop")}).front();
      // The last firing recorded is five hours old: four were missed.
      REQUIRE(harness.queue().fire_schedule("test.hourly", current - 5 * hour, spec));
      harness.start_worker(1, "returning", catch_up);
      std::this_thread::sleep_for(500ms);
      harness.service().stop(1s);
      auto last = harness.queue().last_firing("test.hourly");
      REQUIRE(last.has_value());
      ListFilter filter;
      filter.types = {"test.noop"};
      auto tasks = harness.queue().list(filter).tasks;
      if (catch_up == 0) {
        CHECK(last->first == current - 5 * hour);
        CHECK(tasks.size() == 1);
      } else {
        CHECK(last->first == current);
        CHECK(tasks.size() == 2);
      }
    }
  }
}

TEST_CASE("a worker claims only from its queues, all of them") {
  FOR_EACH_BACKEND {
    TaskHarness harness(backend);
    harness.open();
    auto in_queue = [&](const char* queue) {
      auto routed = task("test.noop");
      routed.queue = queue;
      return harness.enqueue(routed);
    };
    auto bulk = in_queue("bulk");
    auto plain = in_queue("default");
    auto elsewhere = in_queue("elsewhere");
    orchestra::config::WorkerConfig config;
    config.name = "two-queues";
    config.concurrency = 1;
    config.poll_interval = 20ms;
    config.queues = {{"default", 1}, {"bulk", 3}};
    harness.service().start_worker(config);
    harness.wait_for(bulk, State::succeeded);
    harness.wait_for(plain, State::succeeded);
    std::this_thread::sleep_for(200ms);
    CHECK(harness.queue().get(elsewhere)->state == State::queued);
    auto workers = harness.queue().workers(now_millis() - 10'000);
    REQUIRE(workers.size() == 1);
    CHECK(workers[0].queues == std::vector<std::string>{"bulk", "default"});
  }
}

TEST_CASE("the owner a plugin records is kept with the task, alone and in batches") {
  FOR_EACH_BACKEND {
    TaskHarness harness(backend);
    harness.open();
    auto owned = task("test.noop");
    owned.owner = "user-7";
    auto id = harness.enqueue(owned);
    REQUIRE(harness.queue().get(id));
    CHECK(harness.queue().get(id)->owner == "user-7");
    CHECK(harness.queue().get(id)->to_json().find(R"("owner":"user-7")") != std::string::npos);
    auto plain = harness.enqueue(task("test.noop"));
    CHECK_FALSE(harness.queue().get(plain)->owner);
    std::vector<NewTask> batch(3, owned);
    batch[1].owner.reset();
    batch[2].depends_on = {"@0"};
    auto ids = harness.service().enqueue(batch);
    CHECK(harness.queue().get(ids[0])->owner == "user-7");
    CHECK_FALSE(harness.queue().get(ids[1])->owner);
    CHECK(harness.queue().get(ids[2])->owner == "user-7");
  }
}

TEST_CASE("redis: an idle worker claims work enqueued elsewhere without waiting for its poll") {
  for (auto backend : backends_under_test()) {
    if (backend != Backend::redis) continue;
    TaskHarness harness(backend);
    harness.open();
    auto idle = harness.another_service();
    orchestra::config::WorkerConfig config;
    config.name = "idle";
    config.concurrency = 1;
    config.poll_interval = 30s;  // only a wake-up can make it claim in time
    idle->start_worker(config);
    std::this_thread::sleep_for(300ms);  // subscribed, and its first poll is over
    auto id = harness.enqueue(task("test.noop"));  // the other service: no in-process wake
    harness.wait_for(id, State::succeeded, 5s);
    idle->stop(1s);
  }
}

TEST_CASE("redis: the leases set stays a skiplist however few tasks run, its sentinel is never reclaimed") {
  for (auto backend : backends_under_test()) {
    if (backend != Backend::redis) continue;
    TaskHarness harness(backend);
    harness.open();
    harness.start_worker(1);
    auto id = harness.enqueue(task("test.noop"));
    harness.wait_for(id, State::succeeded);
    harness.service().stop(1s);
    orchestra::tasks::redis::RedisClient client(
        orchestra::tasks::redis::parse_redis_url(harness.queue_config().redis_url), 1);
    auto leases = harness.queue_config().redis_prefix + "leases";
    // A small set in the listpack encoding would cost O(n) per lease.
    auto encoding = client.command({"OBJECT", "ENCODING", leases});
    CHECK(orchestra::tasks::redis::as_string(encoding.get()) == "skiplist");
    CHECK(orchestra::tasks::redis::as_integer(client.command({"ZCARD", leases}).get()) == 1);
    CHECK(harness.queue().reclaim_expired() == 0);
    CHECK(orchestra::tasks::redis::as_integer(client.command({"ZCARD", leases}).get()) == 1);
  }
}

TEST_CASE("a claimed task names the queue it was claimed from") {
  FOR_EACH_BACKEND {
    TaskHarness harness(backend);
    harness.open();
    auto routed = task("test.noop");
    routed.queue = "bulk";
    auto moved = harness.enqueue(routed);
    auto plain = harness.enqueue(task("test.noop"));
    std::size_t stale = 0;
    auto claimed = harness.queue().exchange({}, "probe", {"bulk", "test"}, {"test.noop"}, 2,
                                            false, stale);
    REQUIRE(claimed.size() == 2);
    CHECK(claimed[0].id == moved);
    CHECK(claimed[0].queue == "bulk");
    CHECK(claimed[1].id == plain);
    CHECK(claimed[1].queue == "test");
  }
}

// Found by the chaos soak: a delivery task spent its ten attempts during a
// PostgreSQL restart and went dead, so its notifications were never sent.
TEST_CASE("a task that meets a database outage runs again later without spending an attempt") {
  FOR_EACH_BACKEND {
    TaskHarness harness(backend);
    harness.open();
    NewTask task;
    task.type = "test.outage";
    task.payload = R"({"outages":2})";
    task.max_attempts = 1;
    auto id = harness.enqueue(task);
    harness.start_worker(1);
    auto done = harness.wait_for(id, State::succeeded, std::chrono::seconds(20));
    CHECK(done.attempts == 1);
    CHECK(TaskHarness::runs_of(id) == 3);
    CHECK(done.attempt_errors.size() == 2);
  }
}
