// events::LocalEventBus: synchronous in-process publish/subscribe with exact
// and prefix topics, RAII subscriptions and isolated subscribers.

#include "events/local_event_bus.hpp"

#include <doctest/doctest.h>

#include <spdlog/sinks/ostream_sink.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <sstream>
#include <string>
#include <vector>

using namespace orchestra::events;

namespace {

struct Fixture {
  std::ostringstream log_text;
  LocalEventBus bus{std::make_shared<spdlog::logger>(
      "test", std::make_shared<spdlog::sinks::ostream_sink_mt>(log_text))};
  std::vector<std::string> seen;

  // A subscriber recording "label:topic:payload".
  Subscriber record(std::string label) {
    return [this, label](const Event& event) {
      seen.push_back(label + ":" + event.topic + ":" + event.payload);
    };
  }
};

}  // namespace

TEST_CASE("an exact topic receives only that topic") {
  Fixture f;
  auto subscription = f.bus.subscribe("match.goal", f.record("exact"));
  f.bus.publish({"match.goal", "1"});
  f.bus.publish({"match.goals", "2"});
  f.bus.publish({"match", "3"});
  f.bus.publish({"team.new", "4"});
  CHECK(f.seen == std::vector<std::string>{"exact:match.goal:1"});
}

TEST_CASE("a topic ending in * receives every topic with that prefix") {
  Fixture f;
  auto dotted = f.bus.subscribe("match.*", f.record("dotted"));
  auto bare = f.bus.subscribe("match*", f.record("bare"));
  auto all = f.bus.subscribe("*", f.record("all"));
  f.bus.publish({"match.goal", "1"});
  f.bus.publish({"matchday", "2"});
  f.bus.publish({"team", "3"});
  CHECK(f.seen == std::vector<std::string>{"dotted:match.goal:1", "bare:match.goal:1",
                                           "all:match.goal:1", "bare:matchday:2",
                                           "all:matchday:2", "all:team:3"});
}

TEST_CASE("subscribers run in subscription order, a publish with no subscriber is a no-op") {
  Fixture f;
  CHECK_NOTHROW(f.bus.publish({"nobody", "{}"}));
  auto first = f.bus.subscribe("t", f.record("1"));
  auto second = f.bus.subscribe("t*", f.record("2"));
  auto third = f.bus.subscribe("t", f.record("3"));
  f.bus.publish({"t", "x"});
  CHECK(f.seen == std::vector<std::string>{"1:t:x", "2:t:x", "3:t:x"});
}

TEST_CASE("destroying a subscription unsubscribes it, and only it") {
  Fixture f;
  auto kept = f.bus.subscribe("t", f.record("kept"));
  {
    auto gone = f.bus.subscribe("t", f.record("gone"));
    f.bus.publish({"t", "1"});
  }
  f.bus.publish({"t", "2"});
  CHECK(f.seen == std::vector<std::string>{"kept:t:1", "gone:t:1", "kept:t:2"});
}

TEST_CASE("a moved subscription stays subscribed until its new owner goes") {
  Fixture f;
  auto original = f.bus.subscribe("t", f.record("s"));
  {
    Subscription moved(std::move(original));
    f.bus.publish({"t", "1"});
  }  // `moved` unsubscribes; destroying the moved-from `original` later does nothing
  f.bus.publish({"t", "2"});
  CHECK(f.seen == std::vector<std::string>{"s:t:1"});

  f.seen.clear();
  std::vector<Subscription> owned;
  owned.push_back(f.bus.subscribe("u", f.record("in vector")));
  owned.reserve(16);  // moves the element
  f.bus.publish({"u", "3"});
  owned.clear();
  f.bus.publish({"u", "4"});
  CHECK(f.seen == std::vector<std::string>{"in vector:u:3"});
}

TEST_CASE("move-assigning a subscription drops the one it replaces") {
  Fixture f;
  auto a = f.bus.subscribe("t", f.record("a"));
  auto b = f.bus.subscribe("t", f.record("b"));
  a = std::move(b);  // "a" is unsubscribed, "b" lives on in a
  f.bus.publish({"t", "1"});
  CHECK(f.seen == std::vector<std::string>{"b:t:1"});

  auto& self = a;
  a = std::move(self);  // self-assignment keeps the subscription
  f.bus.publish({"t", "2"});
  CHECK(f.seen == std::vector<std::string>{"b:t:1", "b:t:2"});

  Subscription empty;
  a = std::move(empty);  // "b" goes too
  f.bus.publish({"t", "3"});
  CHECK(f.seen == std::vector<std::string>{"b:t:1", "b:t:2"});
}

TEST_CASE("a throwing subscriber does not stop the others and is logged") {
  Fixture f;
  auto before = f.bus.subscribe("t", f.record("before"));
  auto bad = f.bus.subscribe("t", [](const Event&) { throw std::runtime_error("boom"); });
  auto after = f.bus.subscribe("t", f.record("after"));
  CHECK_NOTHROW(f.bus.publish({"t", "{}"}));
  CHECK(f.seen == std::vector<std::string>{"before:t:{}", "after:t:{}"});
  CHECK(f.log_text.str().find("boom") != std::string::npos);
  CHECK(f.log_text.str().find("'t'") != std::string::npos);
}

TEST_CASE("a subscriber may subscribe and unsubscribe while being called") {
  Fixture f;
  std::unique_ptr<Subscription> self;
  Subscription added;
  self = std::make_unique<Subscription>(f.bus.subscribe("t", [&](const Event& event) {
    f.seen.push_back("once:" + event.payload);
    self.reset();  // unsubscribes itself: no deadlock
    added = f.bus.subscribe("t", f.record("added"));
  }));
  f.bus.publish({"t", "1"});
  f.bus.publish({"t", "2"});
  CHECK(f.seen == std::vector<std::string>{"once:1", "added:t:2"});
}

// Regression test for a bug found by review (fixed).
TEST_CASE("a subscriber throwing a non-std exception does not stop the others") {
  Fixture f;
  auto bad = f.bus.subscribe("t", [](const Event&) { throw 42; });
  auto after = f.bus.subscribe("t", f.record("after"));
  CHECK_NOTHROW(f.bus.publish({"t", "{}"}));
  CHECK(f.seen == std::vector<std::string>{"after:t:{}"});
}

TEST_CASE("unsubscribing waits for a call of that subscriber running on another thread") {
  Fixture f;
  std::atomic<bool> inside{false}, finished{false};
  auto subscription = std::make_unique<Subscription>(f.bus.subscribe("t", [&](const Event&) {
    inside = true;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    finished = true;
  }));
  std::thread publisher([&] { f.bus.publish({"t", "1"}); });
  while (!inside) std::this_thread::yield();
  subscription.reset();
  CHECK(finished);  // what the subscriber used may go now
  publisher.join();
  f.bus.publish({"t", "2"});
  CHECK(finished);
}
