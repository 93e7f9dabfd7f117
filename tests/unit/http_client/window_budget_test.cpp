// http_client::window_budget: the token bucket behind a "`requests` per
// `per`" host limit. Simulated exactly, as limits::Budget describes it
// (`capacity` tokens, refilled continuously at capacity / period, starting
// full), against a greedy client that takes every token the moment it
// exists: no sliding window of `per` may hold more than `requests` grants,
// and a large budget must still be mostly usable. Integer arithmetic in
// simulated milliseconds; nothing sleeps.

#include "http_client/client_config.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

using namespace orchestra::http_client;
using namespace std::chrono_literals;

namespace {

struct Case {
  std::int64_t requests;
  milliseconds per;
  std::int64_t step_ms;  // how often the simulated client looks
  bool large;            // expected to keep at least 85 % of the budget
};

const Case kCases[] = {
    {200, 300'000ms, 10, true},
    {10, 2'000ms, 1, false},
    {2, 1'000ms, 1, false},
    {1000, 1'000ms, 1, true},
    {100, 10'000ms, 1, true},
};

struct Outcome {
  std::int64_t grants = 0;          // over the whole simulation
  std::int64_t busiest_window = 0;  // most grants in any window [t, t + per)
};

// Three windows of `per`. Tokens are counted in units of 1 / period.count()
// of a token, so that the refill (capacity / period tokens per ms, i.e.
// `capacity` units per ms) is exact.
Outcome simulate(const orchestra::limits::Budget& budget, std::int64_t per_ms,
                 std::int64_t step_ms) {
  auto capacity = static_cast<std::int64_t>(budget.capacity);
  auto period = budget.period.count();
  auto full = capacity * period;
  auto units = full;
  std::vector<std::int64_t> granted_at;
  for (std::int64_t now = 0; now < 3 * per_ms; now += step_ms) {
    if (now > 0) units = std::min(full, units + capacity * step_ms);
    while (units >= period) {
      units -= period;
      granted_at.push_back(now);
    }
  }
  Outcome outcome;
  outcome.grants = static_cast<std::int64_t>(granted_at.size());
  std::size_t first = 0;
  for (std::size_t last = 0; last < granted_at.size(); ++last) {
    while (granted_at[last] - granted_at[first] >= per_ms) ++first;
    outcome.busiest_window =
        std::max(outcome.busiest_window, static_cast<std::int64_t>(last - first + 1));
  }
  return outcome;
}

}  // namespace

TEST_CASE("window_budget has a burst of at least one whole token and a positive period") {
  for (const auto& c : kCases) {
    INFO("requests " << c.requests << " per " << c.per.count() << " ms");
    auto budget = window_budget(c.requests, c.per);
    CHECK(budget.capacity >= 1);
    CHECK(budget.capacity == std::floor(budget.capacity));
    CHECK(budget.period.count() >= 1);
  }
}

TEST_CASE("window_budget never lets more than `requests` through in any window of `per`") {
  for (const auto& c : kCases) {
    auto budget = window_budget(c.requests, c.per);
    INFO("requests " << c.requests << " per " << c.per.count() << " ms: capacity "
                     << budget.capacity << ", period " << budget.period.count() << " ms");
    REQUIRE(budget.capacity >= 1);
    REQUIRE(budget.capacity == std::floor(budget.capacity));  // the simulation counts whole tokens
    auto outcome = simulate(budget, c.per.count(), c.step_ms);
    CHECK(outcome.busiest_window <= c.requests);
  }
}

TEST_CASE("window_budget keeps at least 85 % of a large budget usable") {
  for (const auto& c : kCases) {
    if (!c.large) continue;
    auto budget = window_budget(c.requests, c.per);
    INFO("requests " << c.requests << " per " << c.per.count() << " ms: capacity "
                     << budget.capacity << ", period " << budget.period.count() << " ms");
    REQUIRE(budget.capacity >= 1);
    REQUIRE(budget.capacity == std::floor(budget.capacity));
    auto outcome = simulate(budget, c.per.count(), c.step_ms);
    // Over three windows: at least 85 % of 3 * requests.
    CHECK(outcome.grants * 100 >= 85 * 3 * c.requests);
  }
}
