#include "http/url.hpp"

#include <doctest/doctest.h>

using namespace orchestra::http;

TEST_CASE("percent-decoding") {
  CHECK(percent_decode("a%20b%2Fc", false) == "a b/c");
  CHECK(percent_decode("a+b", false) == "a+b");
  CHECK(percent_decode("a+b", true) == "a b");
  CHECK(percent_decode("%e2%82%AC", false) == "\xe2\x82\xac");
  CHECK_FALSE(percent_decode("%4", false).has_value());
  CHECK_FALSE(percent_decode("%zz", false).has_value());
  CHECK_FALSE(percent_decode("abc%", false).has_value());
}

TEST_CASE("query strings") {
  auto query = parse_query("a=1&b=x+y&a=2&empty=&flag&&c=%26");
  REQUIRE(query.has_value());
  CHECK(query->count("a") == 2);
  CHECK(query->find("b")->second == "x y");
  CHECK(query->find("empty")->second.empty());
  CHECK(query->find("flag")->second.empty());
  CHECK(query->find("c")->second == "&");
  CHECK_FALSE(parse_query("a=%zz").has_value());
  CHECK(parse_query("")->empty());
}
