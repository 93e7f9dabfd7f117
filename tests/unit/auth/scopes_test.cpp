// Scope names, their space-separated form, and the admin rule.

#include "auth/scopes.hpp"

#include <orchestra/http.hpp>

#include <doctest/doctest.h>

using namespace orchestra::auth;
using orchestra::http::Principal;

TEST_CASE("a principal has a scope it holds, and every scope when it holds admin") {
  Principal user{"u1", "alice", {"tasks", "csv"}, false};
  CHECK(user.has_scope("tasks"));
  CHECK(user.has_scope("csv"));
  CHECK_FALSE(user.has_scope("admin"));
  CHECK_FALSE(user.has_scope("orchestrator/tasks"));
  CHECK_FALSE(user.has_scope("task"));
  Principal admin{"u2", "root", {"admin"}, false};
  CHECK(admin.has_scope("orchestrator/tasks"));
  CHECK(admin.has_scope("anything"));
  Principal nobody{"u3", "bob", {}, false};
  CHECK_FALSE(nobody.has_scope("tasks"));
}

TEST_CASE("scope names are checked") {
  CHECK_FALSE(scope_problem("tasks"));
  CHECK_FALSE(scope_problem("orchestrator/tasks"));
  CHECK_FALSE(scope_problem("a.b:c_d-e"));
  CHECK(scope_problem(""));
  CHECK(scope_problem("Tasks"));
  CHECK(scope_problem("two words"));
  CHECK(scope_problem(std::string(65, 'a')));
}

TEST_CASE("scopes split on spaces, join with one, and normalise sorted and unique") {
  CHECK(split_scopes("") == std::vector<std::string>{});
  CHECK(split_scopes("a  b c ") == std::vector<std::string>{"a", "b", "c"});
  CHECK(join_scopes({"a", "b"}) == "a b");
  CHECK(normalized({"tasks", "admin", "tasks"}) == std::vector<std::string>{"admin", "tasks"});
}
