#include "http/router.hpp"

#include <doctest/doctest.h>

using namespace orchestra::http;

namespace {

Handler answer(std::string text) {
  return [text](const Request&) { return Response::text(200, text); };
}

Router sample_router() {
  Router router;
  router.add(Method::get, "/", answer("root"), {}, "core");
  router.add(Method::get, "/tasks/{id}", answer("task"), {}, "core");
  router.add(Method::post, "/tasks/{id}", answer("update"), {}, "core");
  router.add(Method::get, "/tasks/stats", answer("stats"), {}, "core");
  router.add(Method::post, "/tasks/{id}/cancel", answer("cancel"), {}, "core");
  return router;
}

std::string run(const Match& match) {
  REQUIRE(match.kind == Match::Kind::found);
  return match.target->handler(Request{}).body;
}

}  // namespace

TEST_CASE("templates match and capture decoded parameters") {
  auto router = sample_router();
  auto match = router.match(Method::get, "/tasks/a%20b");
  CHECK(run(match) == "task");
  CHECK(match.params.at("id") == "a b");
  CHECK(match.target->path_template == "/tasks/{id}");
  auto slash = router.match(Method::get, "/tasks/a%2Fb");
  CHECK(run(slash) == "task");
  CHECK(slash.params.at("id") == "a/b");
  CHECK(run(router.match(Method::post, "/tasks/7/cancel")) == "cancel");
  CHECK(run(router.match(Method::get, "/")) == "root");
}

TEST_CASE("a literal segment beats a parameter") {
  auto router = sample_router();
  CHECK(run(router.match(Method::get, "/tasks/stats")) == "stats");
}

TEST_CASE("404 for unknown paths, 405 with Allow for known ones") {
  auto router = sample_router();
  CHECK(router.match(Method::get, "/nope").kind == Match::Kind::not_found);
  CHECK(router.match(Method::get, "/tasks/1/").kind == Match::Kind::not_found);
  CHECK(router.match(Method::get, "/tasks").kind == Match::Kind::not_found);
  CHECK(router.match(Method::get, "/tasks/").kind == Match::Kind::not_found);
  auto wrong = router.match(Method::delete_, "/tasks/1");
  CHECK(wrong.kind == Match::Kind::method_not_allowed);
  CHECK(wrong.allow == "GET, HEAD, POST");
  auto cancel = router.match(Method::get, "/tasks/1/cancel");
  CHECK(cancel.kind == Match::Kind::method_not_allowed);
  CHECK(cancel.allow == "POST");
}

TEST_CASE("HEAD is served by the GET handler") {
  auto router = sample_router();
  CHECK(run(router.match(Method::head, "/tasks/1")) == "task");
}

TEST_CASE("malformed escapes and relative paths are bad paths") {
  auto router = sample_router();
  CHECK(router.match(Method::get, "/tasks/%zz").kind == Match::Kind::bad_path);
  CHECK(router.match(Method::get, "/tasks/%4").kind == Match::Kind::bad_path);
  CHECK(router.match(Method::get, "tasks").kind == Match::Kind::bad_path);
  CHECK(router.match(Method::get, "").kind == Match::Kind::bad_path);
}

TEST_CASE("duplicate and malformed templates are refused") {
  auto router = sample_router();
  CHECK_THROWS_AS(router.add(Method::get, "/tasks/{id}", answer("x"), {}, "core"),
                  std::invalid_argument);
  CHECK_THROWS_AS(router.add(Method::get, "no-slash", answer("x"), {}, "core"),
                  std::invalid_argument);
  CHECK_THROWS_AS(router.add(Method::get, "/a/{b", answer("x"), {}, "core"),
                  std::invalid_argument);
  CHECK_THROWS_AS(router.add(Method::get, "/a//b", answer("x"), {}, "core"),
                  std::invalid_argument);
  CHECK_NOTHROW(router.add(Method::put, "/tasks/{id}", answer("x"), {}, "core"));
}
