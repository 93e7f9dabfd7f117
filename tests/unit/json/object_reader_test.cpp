// orchestra::json::parse_object and ObjectReader: a request body that is
// not what the handler expects is an HttpError 400 whose detail names the
// offset or the field, so the client can fix it.

#include <orchestra/json.hpp>

#include <doctest/doctest.h>

#include <csignal>
#include <cstdint>
#include <functional>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

using orchestra::http::HttpError;
using namespace orchestra::json;

namespace {

// The detail of the HttpError `action` throws, after checking it is a 400.
std::string error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const HttpError& error) {
    CHECK(error.status() == 400);
    return error.detail();
  }
  FAIL_CHECK("no HttpError thrown");
  return {};
}

const char* const kBody = R"({
  "name": "x", "count": 3, "ratio": 0.5, "ok": true, "none": null,
  "tags": ["a", "b"], "ids": [1, 2, "three"], "nums": [4, 5],
  "inner": {"n": "v", "deep": {"x": 1}, "list": [1, 2]},
  "big": 9223372036854775807, "huge": 18446744073709551615, "neg": -7
})";

}  // namespace

TEST_CASE("malformed JSON is a 400 naming the offset and the reason") {
  CHECK(error_of([] { parse_object(R"({"a": )"); }) ==
        "malformed JSON at offset 6: Invalid value.");
  CHECK(error_of([] { parse_object(R"({"a": 1,})"); }) ==
        "malformed JSON at offset 8: Missing a name for object member.");
  CHECK(error_of([] { parse_object(R"({"a": 1} trailing)"); }) ==
        "malformed JSON at offset 9: The document root must not be followed by other values.");
  CHECK(error_of([] { parse_object(""); }) ==
        "malformed JSON at offset 0: The document is empty.");
  CHECK(error_of([] { parse_object("{'a': 1}"); }).starts_with("malformed JSON at offset 1: "));
}

TEST_CASE("a body that is valid JSON but not an object is a 400 naming what it is") {
  CHECK(error_of([] { parse_object("[1]"); }) ==
        "the request body must be a JSON object, got an array");
  CHECK(error_of([] { parse_object("\"text\""); }) ==
        "the request body must be a JSON object, got a string");
  CHECK(error_of([] { parse_object("12"); }) ==
        "the request body must be a JSON object, got a number");
  CHECK(error_of([] { parse_object("null"); }) ==
        "the request body must be a JSON object, got null");
  CHECK(error_of([] { parse_object("true"); }) ==
        "the request body must be a JSON object, got a boolean");
  CHECK(parse_object(" {} ").IsObject());
}

TEST_CASE("fields of the right type are read") {
  auto document = parse_object(kBody);
  ObjectReader body(document);
  CHECK(body.require<std::string>("name") == "x");
  CHECK(body.require<std::int64_t>("count") == 3);
  CHECK(body.require<std::int64_t>("big") == INT64_MAX);
  CHECK(body.require<std::int64_t>("neg") == -7);
  CHECK(body.require<double>("ratio") == 0.5);
  CHECK(body.require<double>("count") == 3.0);  // an integer is a number
  CHECK(body.require<bool>("ok"));
  CHECK(body.require<std::vector<std::string>>("tags") == std::vector<std::string>{"a", "b"});
  CHECK(body.require<std::vector<std::int64_t>>("nums") == std::vector<std::int64_t>{4, 5});
  CHECK(body.object("inner").require<std::string>("n") == "v");
  CHECK(body.object("inner").object("deep").require<std::int64_t>("x") == 1);
}

TEST_CASE("a wrong type names the field, the expected type and the type found") {
  auto document = parse_object(kBody);
  ObjectReader body(document);
  CHECK(error_of([&] { body.require<std::string>("count"); }) ==
        "field 'count' must be a string, got a number");
  CHECK(error_of([&] { body.require<std::int64_t>("ratio"); }) ==
        "field 'ratio' must be an integer, got a number");
  CHECK(error_of([&] { body.require<std::int64_t>("huge"); }) ==
        "field 'huge' must be an integer, got a number");
  CHECK(error_of([&] { body.require<bool>("name"); }) ==
        "field 'name' must be a boolean, got a string");
  CHECK(error_of([&] { body.require<double>("ok"); }) ==
        "field 'ok' must be a number, got a boolean");
  CHECK(error_of([&] { body.require<std::vector<std::string>>("name"); }) ==
        "field 'name' must be an array, got a string");
  CHECK(error_of([&] { body.optional<std::int64_t>("tags"); }) ==
        "field 'tags' must be an integer, got an array");
  CHECK(error_of([&] { body.object("name"); }) == "field 'name' must be an object, got a string");
  CHECK(error_of([&] { body.require<std::string>("inner"); }) ==
        "field 'inner' must be a string, got an object");
}

TEST_CASE("errors in nested objects and array items name the full path") {
  auto document = parse_object(kBody);
  ObjectReader body(document);
  CHECK(error_of([&] { body.require<std::vector<std::int64_t>>("ids"); }) ==
        "field 'ids[2]' must be an integer, got a string");
  CHECK(error_of([&] { body.require<std::vector<std::string>>("nums"); }) ==
        "field 'nums[0]' must be a string, got a number");
  CHECK(error_of([&] { body.object("inner").require<std::int64_t>("n"); }) ==
        "field 'inner.n' must be an integer, got a string");
  CHECK(error_of([&] { body.object("inner").object("deep").require<std::string>("x"); }) ==
        "field 'inner.deep.x' must be a string, got a number");
  CHECK(error_of([&] { body.object("inner").require<std::vector<std::string>>("list"); }) ==
        "field 'inner.list[0]' must be a string, got a number");
  CHECK(error_of([&] { body.object("inner").require<std::string>("missing"); }) ==
        "field 'inner.missing' is required");
  // A reader opened with a path prefixes it.
  ObjectReader item(document["inner"], "items[3]");
  CHECK(error_of([&] { item.require<bool>("n"); }) ==
        "field 'items[3].n' must be a boolean, got a string");
}

TEST_CASE("required fields must be present and not null, optional ones may be absent or null") {
  auto document = parse_object(kBody);
  ObjectReader body(document);
  CHECK(error_of([&] { body.require<std::string>("missing"); }) == "field 'missing' is required");
  CHECK(error_of([&] { body.require<std::string>("none"); }) == "field 'none' is required");
  CHECK(error_of([&] { body.object("missing"); }) == "field 'missing' is required");
  CHECK_FALSE(body.optional<std::string>("missing").has_value());
  CHECK_FALSE(body.optional<std::string>("none").has_value());
  CHECK_FALSE(body.optional<std::vector<std::int64_t>>("missing").has_value());
  CHECK(body.optional<std::string>("name") == "x");
  CHECK(body.optional<std::int64_t>("count") == 3);
}

TEST_CASE("only() refuses a field not in the list, naming it") {
  auto document = parse_object(R"({"name": "x", "count": 1, "inner": {"a": 1, "b": 2}})");
  ObjectReader body(document);
  CHECK_NOTHROW(body.only({"name", "count", "inner", "unused"}));
  CHECK(error_of([&] { body.only({"name", "inner"}); }) == "unknown field 'count'");
  CHECK(error_of([&] { body.only({}); }).starts_with("unknown field '"));
  CHECK_NOTHROW(body.object("inner").only({"a", "b"}));
  CHECK(error_of([&] { body.object("inner").only({"a"}); }) == "unknown field 'inner.b'");
  auto empty = parse_object("{}");
  CHECK_NOTHROW(ObjectReader(empty).only({}));
}

TEST_CASE("to_string writes compact JSON") {
  auto document = parse_object(R"({ "a" : [1, 2.5, "x\"y"], "b" : {"c": null} })");
  CHECK(to_string(document) == R"({"a":[1,2.5,"x\"y"],"b":{"c":null}})");
  CHECK(to_string(document["a"]) == R"([1,2.5,"x\"y"])");
}

// Regression test for a bug found by review (fixed).
TEST_CASE("deeply nested JSON is a 400, not a crash") {
  const int depth = 500'000;
  const std::string body = "{\"a\":" + std::string(depth, '[') + std::string(depth, ']') + "}";
  pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    std::signal(SIGSEGV, SIG_DFL);  // not doctest's handler: just die
    try {
      parse_object(body);
      _exit(0);
    } catch (const HttpError& error) {
      _exit(error.status() == 400 ? 0 : 2);
    } catch (...) {
      _exit(3);
    }
  }
  int status = 0;
  waitpid(child, &status, 0);
  CHECK_MESSAGE(WIFEXITED(status), "parse_object crashed with signal " << WTERMSIG(status));
  if (WIFEXITED(status)) CHECK(WEXITSTATUS(status) == 0);
}
