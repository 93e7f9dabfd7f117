// The calculator's tables on real SQLite and PostgreSQL: idempotent
// submission, exactly-once operation counting, finishing once, purge.

#include "support/task_harness.hpp"

#include "db/migrations.hpp"
#include "expression_store.hpp"

#include <orchestra/clock.hpp>
#include <doctest/doctest.h>

#include <thread>

using namespace orchestra::testing;
using namespace calculator;
using namespace std::chrono_literals;

namespace {

void migrate(TaskHarness& harness) {
  auto root = std::filesystem::path(ORCHESTRA_SOURCE_DIR) / "sql";
  orchestra::db::apply_migrations(
      harness.database(), root,
      orchestra::db::discover_migrations(root, {"core", "calculator"},
                                         harness.database().dialect()));
}

Expression pending(const std::string& id, const std::string& user, const std::string& req_uid) {
  Expression expression;
  expression.id = id;
  expression.user_id = user;
  expression.req_uid = req_uid;
  expression.text = "1+2+3";
  expression.operations_total = 2;
  expression.created_at = orchestra::unix_ms();
  return expression;
}

}  // namespace

TEST_CASE("calculator store: idempotent insert, operations counted once, finished once, purge") {
  for (auto backend : backends_under_test()) {
    if (backend == Backend::redis) continue;
    SUBCASE(backend_name(backend)) {
      TaskHarness harness(backend);
      migrate(harness);
      ExpressionStore store(harness.database());

      int enqueued = 0;
      auto [first, inserted] = store.insert(pending("e1", "alice", "r1"),
                                            [&](soci::session&) { ++enqueued; });
      CHECK(inserted);
      auto [again, inserted_again] = store.insert(pending("e2", "alice", "r1"),
                                                  [&](soci::session&) { ++enqueued; });
      CHECK_FALSE(inserted_again);
      CHECK(again.id == "e1");
      CHECK(enqueued == 1);
      CHECK(store.insert(pending("e3", "bob", "r1")).second);
      CHECK_FALSE(store.find("e2"));

      // A failing enqueue leaves no expression behind.
      CHECK_THROWS(store.insert(pending("e4", "alice", "r4"),
                                [](soci::session&) { throw std::runtime_error("queue down"); }));
      CHECK_FALSE(store.find("e4"));

      store.mark_started("e1");
      CHECK(store.find("e1")->status == "in_progress");
      CHECK_FALSE(store.operation_done("e1", 0));
      CHECK_FALSE(store.operation_done("e1", 0));  // the same operation run twice
      CHECK(store.find("e1")->operations_done == 1);
      CHECK(store.operation_done("e1", 1, Finish{Finish::Kind::ok, 6, {}, 0}));
      CHECK_FALSE(store.operation_done("e1", 1, Finish{Finish::Kind::error, 0, "late", 3}));
      auto done = *store.find("e1");
      CHECK(done.status == "ok");
      CHECK(done.result == 6);
      CHECK(done.operations_done == 2);
      CHECK_FALSE(done.error_message);
      CHECK(done.eval_started_at);
      CHECK(done.eval_finished_at);

      CHECK(store.operation_done("e3", 0, Finish{Finish::Kind::error, 0, "division by zero", 1}));
      auto failed = *store.find("e3");
      CHECK(failed.status == "error");
      CHECK(failed.error_message == "division by zero");
      CHECK(failed.error_position == 1);

      auto page = store.list("alice", std::nullopt, std::nullopt, 10);
      REQUIRE(page.size() == 1);
      CHECK(store.list("alice", std::string("error"), std::nullopt, 10).empty());

      store.heartbeat(Agent{"worker-1", 4, 1, orchestra::unix_ms(), orchestra::unix_ms()});
      CHECK(store.agents().size() == 1);
      std::this_thread::sleep_for(5ms);
      CHECK(store.purge(orchestra::unix_ms()) == 3);
      CHECK(store.agents().empty());
      CHECK(store.find("e1")->result == 6);  // results stay
      CHECK(store.purge(orchestra::unix_ms()) == 0);
    }
  }
}
