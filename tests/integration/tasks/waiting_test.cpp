// Tasks that wait (Step::wait_for) on every backend: a wait holds no
// handler thread, keeps the attempt and the type's concurrency place, and
// ends at once on cancellation or at shutdown.

#include "support/task_harness.hpp"

#include <doctest/doctest.h>

#include <fmt/format.h>
#include <soci/soci.h>

#include <thread>

using namespace orchestra::testing;
using namespace orchestra::tasks;
using namespace std::chrono_literals;

namespace {

NewTask waiting(const char* type, int ms, int times) {
  NewTask task;
  task.type = type;
  task.payload = fmt::format(R"({{"ms":{},"times":{}}})", ms, times);
  return task;
}

std::vector<std::string> enqueue_copies(TaskHarness& harness, int copies, const NewTask& task) {
  std::vector<std::string> ids;
  for (int i = 0; i < copies; ++i) ids.push_back(harness.enqueue(task));
  return ids;
}

// A task waiting ten minutes on a one-thread worker, once its first step ran.
std::string started_long_wait(TaskHarness& harness) {
  auto id = harness.enqueue(waiting("test.wait", 600'000, 1));
  harness.start_worker(1);
  harness.wait_for(id, State::running);
  while (TaskHarness::runs_of(id) == 0) std::this_thread::sleep_for(10ms);
  return id;
}

}  // namespace

TEST_CASE("waiting tasks hold no handler thread: one thread keeps eight waiting at once") {
  FOR_EACH_BACKEND {
    TaskHarness harness(backend);
    harness.open();
    TaskHarness::waiting_peak() = 0;
    auto ids = enqueue_copies(harness, 8, waiting("test.wait", 400, 2));
    harness.start_worker(1);
    for (const auto& id : ids) {
      auto done = harness.wait_for(id, State::succeeded);
      CHECK(done.result == R"({"waits":2,"resumed":true})");  // the state came back each time
      CHECK(done.attempts == 1);                                // waiting counts no attempt
      CHECK(TaskHarness::runs_of(id) == 1);
    }
    CHECK(TaskHarness::waiting_peak() == 8);
  }
}

TEST_CASE("a type's concurrency counts its waiting tasks") {
  FOR_EACH_BACKEND {
    TaskHarness harness(backend);
    harness.open();
    TaskHarness::waiting_peak() = 0;
    auto ids = enqueue_copies(harness, 6, waiting("test.wait_two", 100, 1));
    harness.start_worker(4);
    for (const auto& id : ids) harness.wait_for(id, State::succeeded);
    CHECK(TaskHarness::waiting_peak() == 2);
  }
}

TEST_CASE("a cancelled waiting task ends at once, not when its wait is over") {
  FOR_EACH_BACKEND {
    TaskHarness harness(backend);
    harness.open();
    auto id = started_long_wait(harness);
    CHECK(harness.queue().cancel(id) == Transition::done);
    harness.wait_for(id, State::cancelled, 5s);
  }
}

TEST_CASE("at shutdown a waiting task goes back to the queue without counting the attempt") {
  FOR_EACH_BACKEND {
    TaskHarness harness(backend);
    harness.open();
    auto id = started_long_wait(harness);
    CHECK(harness.service().stop(5s));
    auto record = harness.queue().get(id);
    REQUIRE(record);
    CHECK(record->state == State::queued);
    CHECK(record->attempts == 0);
  }
}

TEST_CASE("a waiting task reclaimed after its lease ran out runs once more and its old wait is dropped") {
  FOR_EACH_BACKEND {
    if (backend == Backend::redis) continue;  // the lease is made to run out in SQL
    TaskHarness harness(backend);
    harness.open();
    auto id = harness.enqueue(waiting("test.wait", 2000, 1));
    harness.start_worker(1);
    while (TaskHarness::runs_of(id) == 0) std::this_thread::sleep_for(10ms);
    {
      soci::session session(harness.database().pool());
      session << "UPDATE tasks SET lease_until = 1 WHERE id = :id", soci::use(id);
    }
    harness.queue().reclaim_expired();
    // The same worker claims it again while its first copy still waits.
    while (TaskHarness::runs_of(id) < 2) std::this_thread::sleep_for(10ms);
    auto done = harness.wait_for(id, State::succeeded);
    CHECK(done.result == R"({"waits":1,"resumed":true})");
    CHECK(done.attempts == 2);
    CHECK(harness.service().stop(5s));  // the waker is not stuck on the old wait
  }
}
