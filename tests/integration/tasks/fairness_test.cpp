// Fairness between queues (one per plugin): a queue holding its weighted
// share of a worker's slots is asked for work after the others.

#include "support/task_harness.hpp"

#include <doctest/doctest.h>

#include <thread>

using namespace orchestra::testing;
using namespace orchestra::tasks;
using namespace std::chrono_literals;

TEST_CASE("a queue at its share of the slots waits while another queue has work, however heavy its weight") {
  FOR_EACH_BACKEND {
    TaskHarness harness(backend);
    harness.service().types().define("bulk", "bulk.slow", [](TaskContext&) {
      std::this_thread::sleep_for(200ms);
      return std::string("{}");
    }, TaskOptions{});
    harness.open();
    std::vector<std::string> bulk;
    for (int i = 0; i < 20; ++i) bulk.push_back(harness.enqueue(NewTask{.type = "bulk.slow"}));
    orchestra::config::WorkerConfig config;
    config.name = "fair";
    config.concurrency = 2;
    config.queues = {{"bulk", 10}, {"test", 1}};
    config.poll_interval = 20ms;
    harness.service().start_worker(config);
    harness.wait_for(bulk[1], State::running);
    auto quick = harness.wait_for(harness.enqueue(NewTask{.type = "test.noop"}), State::succeeded);
    int before = 0;
    for (const auto& id : bulk) {
      auto record = harness.queue().get(id);
      if (record && record->started_at && *record->started_at < *quick.started_at) ++before;
    }
    // The two running when it came, and at most the two that took their
    // slots as it was enqueued; by weight alone bulk would win ten rounds
    // in eleven (it took 6 to 12 before the share counted).
    CHECK(before <= 4);
    harness.service().stop(5s);
  }
}
