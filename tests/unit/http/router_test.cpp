// http::Router: method + path-template matching on the still-encoded path.

#include "http/router.hpp"

#include <doctest/doctest.h>

#include <stdexcept>
#include <string>

using namespace orchestra::http;

namespace {

Handler answer(std::string text) {
  return [text](const Request&) { return Response::text(200, text); };
}

Router sample_router() {
  Router router;
  router.add(Method::get, "/", answer("root"), {}, "core");
  router.add(Method::get, "/tasks/{id}", answer("get task"), {}, "core");
  router.add(Method::post, "/tasks/{id}", answer("update task"), {}, "core");
  router.add(Method::get, "/tasks/stats", answer("stats"), {}, "core");
  router.add(Method::post, "/tasks/{id}/cancel", answer("cancel"), {}, "core");
  router.add(Method::get, "/api/v1/echo/{a}/items/{b}", answer("item"), {}, "echo");
  return router;
}

// The body the matched handler answers with ("" with a failed check when
// nothing matched).
std::string answered_by(const Match& match) {
  CHECK(match.kind == Match::Kind::found);
  if (match.kind != Match::Kind::found) return "";
  return match.target->handler(Request{}).body;
}

}  // namespace

TEST_CASE("a literal path matches only itself") {
  Router router;
  router.add(Method::get, "/healthz", answer("ok"), {}, "core");
  CHECK(answered_by(router.match(Method::get, "/healthz")) == "ok");
  CHECK(router.match(Method::get, "/healthz2").kind == Match::Kind::not_found);
  CHECK(router.match(Method::get, "/health").kind == Match::Kind::not_found);
  CHECK(router.match(Method::get, "/healthz/x").kind == Match::Kind::not_found);
  CHECK(router.match(Method::get, "/HEALTHZ").kind == Match::Kind::not_found);
}

TEST_CASE("a template captures each parameter from one segment") {
  auto router = sample_router();
  auto match = router.match(Method::get, "/api/v1/echo/x1/items/y2");
  CHECK(answered_by(match) == "item");
  CHECK(match.params == std::map<std::string, std::string>{{"a", "x1"}, {"b", "y2"}});
  CHECK(match.target->path_template == "/api/v1/echo/{a}/items/{b}");
  CHECK(match.target->owner == "echo");
  CHECK(match.target->method == Method::get);
  CHECK(answered_by(router.match(Method::post, "/tasks/7/cancel")) == "cancel");
  // A parameter never matches an empty segment or several segments.
  CHECK(router.match(Method::get, "/tasks//cancel").kind == Match::Kind::not_found);
  CHECK(router.match(Method::get, "/api/v1/echo/x/y/items/z").kind == Match::Kind::not_found);
}

TEST_CASE("a literal segment beats a parameter, whatever the registration order") {
  auto router = sample_router();  // the template is registered first
  CHECK(answered_by(router.match(Method::get, "/tasks/stats")) == "stats");
  CHECK(answered_by(router.match(Method::get, "/tasks/other")) == "get task");

  Router reversed;
  reversed.add(Method::get, "/tasks/stats", answer("stats"), {}, "core");
  reversed.add(Method::get, "/tasks/{id}", answer("get task"), {}, "core");
  CHECK(answered_by(reversed.match(Method::get, "/tasks/stats")) == "stats");
  CHECK(answered_by(reversed.match(Method::get, "/tasks/stat")) == "get task");
}

TEST_CASE("parameters are percent-decoded after splitting, so %2F stays in one segment") {
  auto router = sample_router();
  auto spaced = router.match(Method::get, "/tasks/a%20b");
  CHECK(answered_by(spaced) == "get task");
  CHECK(spaced.params.at("id") == "a b");
  auto slash = router.match(Method::get, "/tasks/a%2Fb");
  CHECK(answered_by(slash) == "get task");
  CHECK(slash.params.at("id") == "a/b");
  auto unicode = router.match(Method::get, "/tasks/%E2%82%AC");
  CHECK(answered_by(unicode) == "get task");
  CHECK(unicode.params.at("id") == "\xE2\x82\xAC");
  // '+' is a plus in a path, not a space.
  CHECK(router.match(Method::get, "/tasks/a+b").params.at("id") == "a+b");
  // Literal segments are compared decoded too.
  CHECK(answered_by(router.match(Method::get, "/tasks/st%61ts")) == "stats");
}

TEST_CASE("an unknown path is not found, a known path with another method is not allowed") {
  auto router = sample_router();
  CHECK(router.match(Method::get, "/nope").kind == Match::Kind::not_found);
  CHECK(router.match(Method::get, "/tasks").kind == Match::Kind::not_found);

  auto wrong = router.match(Method::delete_, "/tasks/1");
  CHECK(wrong.kind == Match::Kind::method_not_allowed);
  CHECK(wrong.target == nullptr);
  CHECK(wrong.allow == "GET, HEAD, POST");  // GET implies HEAD

  auto cancel = router.match(Method::get, "/tasks/1/cancel");
  CHECK(cancel.kind == Match::Kind::method_not_allowed);
  CHECK(cancel.allow == "POST");  // no GET: no HEAD either
  CHECK(router.match(Method::head, "/tasks/1/cancel").kind == Match::Kind::method_not_allowed);

  auto stats = router.match(Method::post, "/tasks/stats");
  CHECK(stats.kind == Match::Kind::method_not_allowed);
  CHECK(stats.allow == "GET, HEAD");
}

TEST_CASE("HEAD falls back to the GET handler unless HEAD has its own") {
  auto router = sample_router();
  auto head = router.match(Method::head, "/tasks/1");
  CHECK(answered_by(head) == "get task");
  CHECK(head.params.at("id") == "1");

  router.add(Method::head, "/tasks/{id}", answer("head task"), {}, "core");
  CHECK(answered_by(router.match(Method::head, "/tasks/1")) == "head task");
  // With an explicit HEAD, the Allow list names it once.
  CHECK(router.match(Method::put, "/tasks/1").allow == "GET, HEAD, POST");
}

TEST_CASE("a malformed percent-escape or a relative path is a bad path") {
  auto router = sample_router();
  for (const auto* path : {"/tasks/%zz", "/tasks/%4", "/tasks/%", "/%g0", "/nope/%zz",
                           "tasks", ""}) {
    CAPTURE(path);
    CHECK(router.match(Method::get, path).kind == Match::Kind::bad_path);
  }
}

TEST_CASE("the root route matches only /") {
  auto router = sample_router();
  CHECK(answered_by(router.match(Method::get, "/")) == "root");
  CHECK(router.match(Method::get, "//").kind == Match::Kind::not_found);
  Router empty;
  CHECK(empty.match(Method::get, "/").kind == Match::Kind::not_found);
}

TEST_CASE("a trailing slash does not match the route without it") {
  auto router = sample_router();
  CHECK(router.match(Method::get, "/tasks/1/").kind == Match::Kind::not_found);
  CHECK(router.match(Method::post, "/tasks/1/cancel/").kind == Match::Kind::not_found);
  CHECK(router.match(Method::get, "/tasks/").kind == Match::Kind::not_found);
}

TEST_CASE("a route declared twice is refused, another method on the same template is not") {
  auto router = sample_router();
  CHECK_THROWS_WITH_AS(router.add(Method::get, "/tasks/{id}", answer("x"), {}, "plugin"),
                       "route GET /tasks/{id} is declared twice", std::invalid_argument);
  CHECK_THROWS_AS(router.add(Method::get, "/", answer("x"), {}, "plugin"), std::invalid_argument);
  CHECK_NOTHROW(router.add(Method::put, "/tasks/{id}", answer("put"), {}, "core"));
  CHECK(answered_by(router.match(Method::put, "/tasks/1")) == "put");
  // The refused duplicate did not replace the original handler.
  CHECK(answered_by(router.match(Method::get, "/tasks/1")) == "get task");
}

TEST_CASE("malformed templates are refused") {
  Router router;
  for (const auto* path_template :
       {"", "no-slash", "/a/{b", "/a/b}", "/a//b", "//", "/{}", "/a/{b}c", "/a/x{b}",
        "/{a{b}}"}) {
    CAPTURE(path_template);
    CHECK_THROWS_AS(router.add(Method::get, path_template, answer("x"), {}, "core"),
                    std::invalid_argument);
  }
  CHECK(router.targets().empty());
}
