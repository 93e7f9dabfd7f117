#include "events/local_event_bus.hpp"
#include "log/logging.hpp"

#include <doctest/doctest.h>

using namespace orchestra::events;

TEST_CASE("exact and prefix subscriptions, unsubscribed by RAII") {
  LocalEventBus bus(orchestra::log::logger("test"));
  std::vector<std::string> seen;
  auto exact = bus.subscribe("match.goal", [&](const Event& e) { seen.push_back("exact:" + e.payload); });
  auto prefix = bus.subscribe("match.*", [&](const Event& e) { seen.push_back("prefix:" + e.topic); });
  bus.publish({"match.goal", "1"});
  bus.publish({"team.new", "2"});
  CHECK(seen == std::vector<std::string>{"exact:1", "prefix:match.goal"});
  {
    auto moved = std::move(exact);
  }
  seen.clear();
  bus.publish({"match.goal", "3"});
  CHECK(seen == std::vector<std::string>{"prefix:match.goal"});
}

TEST_CASE("a throwing subscriber does not stop the others") {
  LocalEventBus bus(orchestra::log::logger("test"));
  int calls = 0;
  auto bad = bus.subscribe("t", [](const Event&) { throw std::runtime_error("boom"); });
  auto good = bus.subscribe("t", [&](const Event&) { ++calls; });
  CHECK_NOTHROW(bus.publish({"t", "{}"}));
  CHECK(calls == 1);
}
