#include "tasks/task_id.hpp"
#include "tasks/task_types.hpp"

#include <doctest/doctest.h>

#include <regex>

using namespace orchestra::tasks;
using namespace std::chrono_literals;

TEST_CASE("task ids are UUIDv7 and sort by creation") {
  static const std::regex uuid7("^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  std::string previous;
  for (int i = 0; i < 5000; ++i) {
    auto id = new_task_id();
    REQUIRE(std::regex_match(id, uuid7));
    REQUIRE(id > previous);
    previous = id;
  }
}

TEST_CASE("backoff grows exponentially, is capped and jittered") {
  Backoff backoff{100ms, 2.0, 1000ms, 0.1};
  for (int i = 0; i < 50; ++i) {
    auto first = backoff_delay_ms(backoff, 1);
    auto third = backoff_delay_ms(backoff, 3);
    auto tenth = backoff_delay_ms(backoff, 10);
    CHECK(first >= 90);
    CHECK(first <= 110);
    CHECK(third >= 360);
    CHECK(third <= 440);
    CHECK(tenth <= 1100);
    CHECK(tenth >= 900);
  }
}

TEST_CASE("definitions are checked and enqueues resolved against them") {
  TaskTypes types;
  auto noop = [](TaskContext&) { return std::string("{}"); };
  TaskOptions unique;
  unique.unique = Uniqueness::by_payload;
  unique.queue = "bulk";
  types.define("calc", "calc.add", noop, unique);
  CHECK_THROWS_AS(types.define("calc", "calc.add", noop, {}), std::invalid_argument);
  CHECK_THROWS_AS(types.define("calc", "other.add", noop, {}), std::invalid_argument);
  TaskOptions bad;
  bad.max_attempts = 0;
  CHECK_THROWS_AS(types.define("calc", "calc.bad", noop, bad), std::invalid_argument);

  NewTask first{"calc.add", R"({"a":1})", {}, 7, {}, {}, {}, {}};
  NewTask second{"calc.add", "{}", {}, {}, {}, {}, "mine", {"@0"}};
  auto specs = types.resolve({first, second});
  REQUIRE(specs.size() == 2);
  CHECK(specs[0].queue == "bulk");
  CHECK(specs[0].priority == 7);
  CHECK(specs[0].unique_key == std::optional<std::string>(R"(calc.add:{"a":1})"));
  CHECK(specs[1].unique_key == std::optional<std::string>("mine"));
  CHECK(specs[1].depends_on == std::vector<std::string>{specs[0].id});

  NewTask unknown{"calc.nope", "{}", {}, {}, {}, {}, {}, {}};
  CHECK_THROWS_WITH_AS(types.resolve({unknown}), "unknown task type 'calc.nope'", EnqueueError);
  NewTask bad_json{"calc.add", "{", {}, {}, {}, {}, {}, {}};
  CHECK_THROWS_AS(types.resolve({bad_json}), EnqueueError);
  NewTask forward{"calc.add", "{}", {}, {}, {}, {}, {}, {"@1"}};
  CHECK_THROWS_AS(types.resolve({forward, first}), EnqueueError);
}

TEST_CASE("a type's queue defaults to its plugin's, and a limited type's tasks stay in it") {
  TaskTypes types;
  auto noop = [](TaskContext&) { return std::string("{}"); };
  types.define("calc", "calc.add", noop, {});
  TaskOptions limited;
  limited.concurrency = 2;
  types.define("calc", "calc.slow", noop, limited);
  TaskOptions elsewhere;
  elsewhere.queue = "bulk";
  types.define("other", "other.copy", noop, elsewhere);
  CHECK(types.find("calc.add")->options.queue == "calc");
  CHECK(types.queues() == std::map<std::string, int>{{"bulk", 1}, {"calc", 1}});

  NewTask moved{.type = "calc.add", .queue = "bulk"};
  CHECK(types.resolve({moved}).front().queue == "bulk");
  NewTask moved_limited{.type = "calc.slow", .queue = "bulk"};
  CHECK_THROWS_WITH_AS(types.resolve({moved_limited}),
                       "task type 'calc.slow' has per-worker limits; its tasks stay in queue "
                       "'calc'",
                       EnqueueError);
  NewTask same_queue{.type = "calc.slow", .queue = "calc"};
  CHECK(types.resolve({same_queue}).front().queue == "calc");
}
