// The shared rate limiter on every backend's store: budgets hold across
// several limiter instances (as across processes), refill over time, and
// a penalty blocks every instance.

#include "support/task_harness.hpp"

#include "limits/make_rate_limiter.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <thread>

using namespace orchestra::testing;
using namespace orchestra::limits;
using namespace std::chrono_literals;

TEST_CASE("a budget is shared by limiter instances and refills over time") {
  FOR_EACH_BACKEND {
    TaskHarness harness(backend);
    harness.open();
    auto first = make_rate_limiter(harness.queue_config(), harness.database());
    auto second = make_rate_limiter(harness.queue_config(), harness.database());
    Budget budget{5, 1000ms};
    int taken = 0;
    for (int i = 0; i < 10; ++i) {
      auto& limiter = i % 2 == 0 ? *first : *second;
      if (!limiter.try_acquire("host-a", budget)) ++taken;
    }
    CHECK(taken == 5);
    auto wait = first->try_acquire("host-a", budget);
    REQUIRE(wait);
    CHECK(*wait > 0ms);
    CHECK(*wait <= 200ms);
    CHECK_FALSE(first->try_acquire("host-b", budget));  // keys are independent
    std::this_thread::sleep_for(*wait + 20ms);
    CHECK_FALSE(second->try_acquire("host-a", budget));
    CHECK(first->available("host-a", budget) < 1);
  }
}

TEST_CASE("a penalty blocks every instance until it passes") {
  FOR_EACH_BACKEND {
    TaskHarness harness(backend);
    harness.open();
    auto first = make_rate_limiter(harness.queue_config(), harness.database());
    auto second = make_rate_limiter(harness.queue_config(), harness.database());
    Budget budget{100, 1000ms};
    CHECK_FALSE(first->try_acquire("store", budget));
    second->penalize("store", 400ms);
    auto wait = first->try_acquire("store", budget);
    REQUIRE(wait);
    CHECK(*wait > 250ms);
    CHECK(*wait <= 400ms);
    std::this_thread::sleep_for(*wait + 30ms);
    CHECK_FALSE(first->try_acquire("store", budget));
  }
}

TEST_CASE("many threads on two instances never take more than the budget allows") {
  FOR_EACH_BACKEND {
    TaskHarness harness(backend);
    harness.open();
    auto first = make_rate_limiter(harness.queue_config(), harness.database());
    auto second = make_rate_limiter(harness.queue_config(), harness.database());
    Budget budget{10, 1000ms};
    std::atomic<int> taken{0};
    auto started = std::chrono::steady_clock::now();
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        auto& limiter = t % 2 == 0 ? *first : *second;
        while (std::chrono::steady_clock::now() - started < 1500ms) {
          if (!limiter.try_acquire("busy", budget)) ++taken;
        }
      });
    }
    for (auto& thread : threads) thread.join();
    auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    // The burst (10) plus the refill (10 per second) over the run.
    CHECK(taken.load() <= 10 + static_cast<int>(10 * seconds) + 1);
    CHECK(taken.load() >= 15);
  }
}
