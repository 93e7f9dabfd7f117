// Errors as RFC 9457 problem responses: Response::problem, HttpError, and
// the Dispatcher that turns routing failures and handler exceptions into
// them.

#include "http/dispatcher.hpp"

#include <doctest/doctest.h>

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <spdlog/sinks/ostream_sink.h>

#include <memory>
#include <sstream>
#include <string>
#include <vector>

using namespace orchestra::http;

namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

const RouteOptions kOpen{"", Execution::blocking, Access::public_()};

// Parses a problem body strictly (valid UTF-8 too) and checks it has exactly
// the four RFC 9457 members with their types.
rapidjson::Document parse_problem(const std::string& body) {
  rapidjson::Document document;
  document.Parse<rapidjson::kParseValidateEncodingFlag>(body.c_str(), body.size());
  CAPTURE(body);
  REQUIRE_MESSAGE(!document.HasParseError(),
                  "invalid JSON: " << rapidjson::GetParseError_En(document.GetParseError())
                                   << " at " << document.GetErrorOffset());
  REQUIRE(document.IsObject());
  CHECK(document.MemberCount() == 4);
  REQUIRE(document.HasMember("type"));
  REQUIRE(document.HasMember("title"));
  REQUIRE(document.HasMember("status"));
  REQUIRE(document.HasMember("detail"));
  CHECK(document["type"].IsString());
  CHECK(document["title"].IsString());
  CHECK(document["status"].IsInt());
  CHECK(document["detail"].IsString());
  return document;
}

std::string member(const rapidjson::Document& document, const char* name) {
  const auto& value = document[name];
  return std::string(value.GetString(), value.GetStringLength());
}

// A dispatcher whose log lines land in a string.
struct Fixture {
  std::ostringstream log_text;
  std::shared_ptr<spdlog::logger> log = std::make_shared<spdlog::logger>(
      "test", std::make_shared<spdlog::sinks::ostream_sink_mt>(log_text));
  Router router;
  Dispatcher dispatcher{router, false, log};

  // Routes and runs `target` as the server does; the request as the
  // handler saw it is left in `last`.
  Response dispatch(Method method, std::string target) {
    last = Request{};
    last.method = method;
    last.target = std::move(target);
    last.request_id = "req-1";
    Response early;
    early.status = -1;
    const auto* route = dispatcher.route(last, early);
    if (route == nullptr) {
      CHECK(early.status != -1);
      return early;
    }
    return dispatcher.invoke(*route, last);
  }

  Request last;
};

}  // namespace

TEST_CASE("a problem response is application/problem+json with type, title, status, detail") {
  auto response = Response::problem(404, "no such task");
  CHECK(response.status == 404);
  CHECK(response.content_type == "application/problem+json");
  CHECK(response.headers.empty());
  auto body = parse_problem(response.body);
  CHECK(member(body, "type") == "about:blank");
  CHECK(member(body, "title") == "Not Found");
  CHECK(body["status"].GetInt() == 404);
  CHECK(member(body, "detail") == "no such task");
}

TEST_CASE("the title is the status reason unless one is given") {
  CHECK(member(parse_problem(Response::problem(422, "x").body), "title") ==
        "Unprocessable Content");
  CHECK(member(parse_problem(Response::problem(500, "x").body), "title") ==
        "Internal Server Error");
  CHECK(member(parse_problem(Response::problem(418, "x").body), "title") == "Client Error");
  CHECK(member(parse_problem(Response::problem(599, "x").body), "title") == "Server Error");
  CHECK(member(parse_problem(Response::problem(409, "x", "Task \"7\" is done").body), "title") ==
        "Task \"7\" is done");
}

TEST_CASE("quotes, backslashes, newlines and control characters in the detail are escaped") {
  const std::string detail =
      "bad \"name\" at C:\\dir\nline 2\r\ttab \x01\x1f\x7f end \xE2\x82\xAC </script>";
  auto response = Response::problem(400, detail);
  // Raw control characters never reach the body.
  for (char c : response.body) {
    CAPTURE(static_cast<int>(static_cast<unsigned char>(c)));
    CHECK(static_cast<unsigned char>(c) >= 0x20);
  }
  auto body = parse_problem(response.body);
  CHECK(member(body, "detail") == detail);
  CHECK(member(parse_problem(Response::problem(400, std::string("nul\0byte", 8)).body),
               "detail") == std::string("nul\0byte", 8));
  CHECK(member(parse_problem(Response::problem(400, "").body), "detail").empty());
}

TEST_CASE("HttpError carries its status, title and detail") {
  HttpError plain(404, "task 7 does not exist");
  CHECK(plain.status() == 404);
  CHECK(plain.title() == "Not Found");
  CHECK(plain.detail() == "task 7 does not exist");
  CHECK(std::string(plain.what()) == "task 7 does not exist");
  CHECK(plain.headers.empty());

  HttpError titled(409, "already cancelled", "Task Finished");
  CHECK(titled.status() == 409);
  CHECK(titled.title() == "Task Finished");
  CHECK(titled.detail() == "already cancelled");

  // A plugin can catch it as a std::runtime_error too.
  CHECK_THROWS_AS(throw HttpError(400, "x"), std::runtime_error);
}

TEST_CASE("a handler's HttpError becomes a problem with its status, title, detail and headers") {
  Fixture f;
  f.router.add(Method::get, "/conflict", [](const Request&) -> Response {
    HttpError error(409, "already done", "Task Finished");
    error.headers.emplace_back("Retry-After", "5");
    throw error;
  }, kOpen, "plugin-x");
  auto response = f.dispatch(Method::get, "/conflict");
  CHECK(response.status == 409);
  CHECK(response.content_type == "application/problem+json");
  CHECK(response.headers == Headers{{"Retry-After", "5"}});
  auto body = parse_problem(response.body);
  CHECK(body["status"].GetInt() == 409);
  CHECK(member(body, "title") == "Task Finished");
  CHECK(member(body, "detail") == "already done");
}

TEST_CASE("a handler's other exception becomes a 500 that hides the message but logs it") {
  Fixture f;
  f.router.add(Method::get, "/boom", [](const Request&) -> Response {
    throw std::runtime_error("secret internals");
  }, kOpen, "plugin-x");
  f.router.add(Method::get, "/int", [](const Request&) -> Response { throw 42; }, kOpen, "plugin-y");

  auto boom = f.dispatch(Method::get, "/boom");
  CHECK(boom.status == 500);
  auto body = parse_problem(boom.body);
  CHECK(body["status"].GetInt() == 500);
  CHECK(member(body, "title") == "Internal Server Error");
  CHECK(boom.body.find("secret internals") == std::string::npos);
  CHECK(member(body, "detail").find("req-1") != std::string::npos);
  // The log line the detail points to has the owner, the route and the message.
  auto logged = f.log_text.str();
  CHECK(logged.find("plugin-x") != std::string::npos);
  CHECK(logged.find("/boom") != std::string::npos);
  CHECK(logged.find("req-1") != std::string::npos);
  CHECK(logged.find("secret internals") != std::string::npos);

  auto thrown_int = f.dispatch(Method::get, "/int");
  CHECK(thrown_int.status == 500);
  parse_problem(thrown_int.body);
}

TEST_CASE("routing failures are answered early: 404, 405 with Allow, 400") {
  Fixture f;
  f.router.add(Method::get, "/items/{id}", [](const Request&) {
    return Response::json(200, "{}");
  }, kOpen, "plugin-x");
  f.router.add(Method::put, "/items/{id}", [](const Request&) {
    return Response::json(200, "{}");
  }, kOpen, "plugin-x");

  auto missing = f.dispatch(Method::get, "/nothing?x=1");
  CHECK(missing.status == 404);
  CHECK(member(parse_problem(missing.body), "detail") == "no route for /nothing");

  auto wrong = f.dispatch(Method::delete_, "/items/1");
  CHECK(wrong.status == 405);
  CHECK(wrong.headers == Headers{{"Allow", "GET, HEAD, PUT"}});
  CHECK(member(parse_problem(wrong.body), "detail") ==
        "DELETE is not allowed here; allowed: GET, HEAD, PUT");

  auto bad_path = f.dispatch(Method::get, "/items/%zz");
  CHECK(bad_path.status == 400);
  CHECK(member(parse_problem(bad_path.body), "detail") == "the request path is malformed");

  auto bad_query = f.dispatch(Method::get, "/items/1?q=%4");
  CHECK(bad_query.status == 400);
  CHECK(member(parse_problem(bad_query.body), "detail") ==
        "the query string has a malformed percent-escape");
}

TEST_CASE("the dispatcher hands the handler decoded parameters and the parsed query") {
  Fixture f;
  std::string seen;
  f.router.add(Method::get, "/items/{id}", [&](const Request& request) {
    seen = request.path_param("id") + "|" + request.query_param("q").value_or("-");
    return Response::json(200, "{}");
  }, kOpen, "plugin-x");

  CHECK(f.dispatch(Method::get, "/items/a%2Fb?q=x+y%21&tag=1&tag=2&flag").status == 200);
  CHECK(seen == "a/b|x y!");
  CHECK(f.last.route == "/items/{id}");
  CHECK(f.last.path_params == std::map<std::string, std::string>{{"id", "a/b"}});
  CHECK(f.last.query.count("tag") == 2);
  CHECK(f.last.query.count("flag") == 1);
  CHECK(f.last.query_param("flag") == "");
  CHECK_FALSE(f.last.query_param("absent").has_value());

  CHECK(f.dispatch(Method::get, "/items/7").status == 200);
  CHECK(seen == "7|-");
  CHECK(f.last.query.empty());
}

TEST_CASE("asking for a path parameter the route does not have is a 404 problem") {
  Fixture f;
  f.router.add(Method::get, "/items/{id}", [](const Request& request) {
    return Response::json(200, request.path_param("name"));
  }, kOpen, "plugin-x");
  auto response = f.dispatch(Method::get, "/items/1");
  CHECK(response.status == 404);
  CHECK(member(parse_problem(response.body), "detail") ==
        "the route has no path parameter 'name'");
}

// Regression test for a bug found by review (fixed).
TEST_CASE("Request::path is the decoded path") {
  Fixture f;
  f.router.add(Method::get, "/items/{id}", [](const Request&) {
    return Response::json(200, "{}");
  }, kOpen, "plugin-x");
  CHECK(f.dispatch(Method::get, "/items/a%20b?q=1").status == 200);
  CHECK(f.last.path == "/items/a b");
}

TEST_CASE("the dispatcher refuses a route with no declared access before its handler runs") {
  Fixture f;
  bool ran = false;
  f.router.add(Method::get, "/secret", [&](const Request&) {
    ran = true;
    return Response::json(200, "{}");
  }, {}, "plugin-x");
  auto response = f.dispatch(Method::get, "/secret");
  CHECK(response.status == 401);
  CHECK_FALSE(ran);
  CHECK(std::find(response.headers.begin(), response.headers.end(),
                  std::pair<std::string, std::string>{"WWW-Authenticate",
                                                      R"(Bearer realm="orchestra")"}) !=
        response.headers.end());
}
