// http::percent_decode and http::parse_query: decoding of paths and query
// strings, refusing malformed escapes instead of guessing.

#include "http/url.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace orchestra::http;

namespace {

std::vector<std::string> values_of(const std::multimap<std::string, std::string>& query,
                                   const std::string& key) {
  std::vector<std::string> values;
  auto [first, last] = query.equal_range(key);
  for (auto it = first; it != last; ++it) values.push_back(it->second);
  return values;
}

}  // namespace

TEST_CASE("percent-escapes decode to bytes, in either case") {
  CHECK(percent_decode("a%20b%2Fc", false) == "a b/c");
  CHECK(percent_decode("%e2%82%AC", false) == "\xe2\x82\xac");
  CHECK(percent_decode("%41%42", false) == "AB");
  CHECK(percent_decode("%00", false) == std::string(1, '\0'));
  CHECK(percent_decode("%25", false) == "%");
  CHECK(percent_decode("%2525", false) == "%25");  // decoded once, not twice
  CHECK(percent_decode("", false) == "");
  CHECK(percent_decode("plain", false) == "plain");
}

TEST_CASE("plus is a space only when asked (query strings), never in paths") {
  CHECK(percent_decode("a+b", false) == "a+b");
  CHECK(percent_decode("a+b", true) == "a b");
  CHECK(percent_decode("%2B", true) == "+");
}

TEST_CASE("malformed escapes are refused") {
  for (const auto* text : {"%", "%4", "abc%", "abc%4", "%zz", "%4z", "%z4", "%%41", "% 41",
                           "%-1"}) {
    CAPTURE(text);
    CHECK_FALSE(percent_decode(text, false).has_value());
    CHECK_FALSE(percent_decode(text, true).has_value());
  }
}

TEST_CASE("a query string is split on & and =, then decoded with plus as space") {
  auto query = parse_query("b=x+y&c=%26&d=a%3Db&e=1=2");
  REQUIRE(query.has_value());
  CHECK(values_of(*query, "b") == std::vector<std::string>{"x y"});
  CHECK(values_of(*query, "c") == std::vector<std::string>{"&"});
  CHECK(values_of(*query, "d") == std::vector<std::string>{"a=b"});
  CHECK(values_of(*query, "e") == std::vector<std::string>{"1=2"});  // the first = splits
  CHECK(query->size() == 4);
  auto keys = parse_query("a%20b=1&x+y=2");
  REQUIRE(keys.has_value());
  CHECK(values_of(*keys, "a b") == std::vector<std::string>{"1"});
  CHECK(values_of(*keys, "x y") == std::vector<std::string>{"2"});
}

TEST_CASE("empty values, bare keys and empty parts") {
  auto query = parse_query("empty=&flag&&=&last=");
  REQUIRE(query.has_value());
  CHECK(values_of(*query, "empty") == std::vector<std::string>{""});
  CHECK(values_of(*query, "flag") == std::vector<std::string>{""});
  CHECK(values_of(*query, "last") == std::vector<std::string>{""});
  CHECK(parse_query("")->empty());
  CHECK(parse_query("&&&")->empty());
}

TEST_CASE("repeated keys keep every value, in order") {
  auto query = parse_query("tag=a&x=1&tag=b&tag=c");
  REQUIRE(query.has_value());
  CHECK(values_of(*query, "tag") == std::vector<std::string>{"a", "b", "c"});
  CHECK(values_of(*query, "x") == std::vector<std::string>{"1"});
}

TEST_CASE("one malformed escape anywhere refuses the whole query") {
  for (const auto* text : {"a=%zz", "a=%4", "a=1&b=%", "%zz=1", "a=1&%4=x", "ok=1&bad%g1"}) {
    CAPTURE(text);
    CHECK_FALSE(parse_query(text).has_value());
  }
}
