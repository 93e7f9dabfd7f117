#include <orchestra/json.hpp>

#include <doctest/doctest.h>

using orchestra::http::HttpError;
using namespace orchestra::json;

namespace {

std::string error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const HttpError& error) {
    CHECK(error.status() == 400);
    return error.detail();
  }
  FAIL("no HttpError thrown");
  return {};
}

}  // namespace

TEST_CASE("malformed bodies are 400 naming the offset") {
  CHECK(error_of([] { parse_object(R"({"a": )"); }) ==
        "malformed JSON at offset 6: Invalid value.");
  CHECK(error_of([] { parse_object(""); }).starts_with("malformed JSON at offset 0"));
  CHECK(error_of([] { parse_object("[1]"); }) ==
        "the request body must be a JSON object, got an array");
}

TEST_CASE("fields are typed and errors name them") {
  auto document = parse_object(
      R"({"name":"x","count":3,"ratio":0.5,"ok":true,"tags":["a","b"],"ids":[1,"two"],"inner":{"n":"v"},"none":null})");
  ObjectReader body(document);
  CHECK(body.require<std::string>("name") == "x");
  CHECK(body.require<std::int64_t>("count") == 3);
  CHECK(body.require<double>("ratio") == 0.5);
  CHECK(body.require<double>("count") == 3.0);
  CHECK(body.require<bool>("ok"));
  CHECK(body.require<std::vector<std::string>>("tags") == std::vector<std::string>{"a", "b"});
  CHECK_FALSE(body.optional<std::string>("missing").has_value());
  CHECK_FALSE(body.optional<std::string>("none").has_value());
  CHECK(error_of([&] { body.require<std::string>("missing"); }) == "field 'missing' is required");
  CHECK(error_of([&] { body.require<std::string>("count"); }) ==
        "field 'count' must be a string, got a number");
  CHECK(error_of([&] { body.require<std::int64_t>("ratio"); }) ==
        "field 'ratio' must be an integer, got a number");
  CHECK(error_of([&] { body.require<std::vector<std::int64_t>>("ids"); }) ==
        "field 'ids[1]' must be an integer, got a string");
  CHECK(error_of([&] { body.object("inner").require<std::int64_t>("n"); }) ==
        "field 'inner.n' must be an integer, got a string");
  CHECK(error_of([&] { body.object("name"); }) == "field 'name' must be an object, got a string");
  CHECK(error_of([&] { body.only({"name"}); }).starts_with("unknown field"));
}
