// http_client::parse_header_line and friends, shared by the HTTP client and
// the S3 blob store: header names lower-cased, values trimmed, lines without
// a colon skipped.

#include "http_client/curl_support.hpp"

#include <doctest/doctest.h>

using namespace orchestra::http_client;

TEST_CASE("a header line becomes a lower-case name and a trimmed value") {
  auto header = parse_header_line("Content-Length:  1234 \r\n");
  REQUIRE(header.has_value());
  CHECK(header->first == "content-length");
  CHECK(header->second == "1234");
  auto tabs = parse_header_line("ETag:\t\"abc\"\t\r\n");
  REQUIRE(tabs.has_value());
  CHECK(tabs->first == "etag");
  CHECK(tabs->second == "\"abc\"");
  auto empty = parse_header_line("X-Empty:\r\n");
  REQUIRE(empty.has_value());
  CHECK(empty->second.empty());
  // Only the first colon separates: values may hold more.
  auto date = parse_header_line("Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n");
  REQUIRE(date.has_value());
  CHECK(date->second == "Sun, 06 Nov 1994 08:49:37 GMT");
}

TEST_CASE("the status line and the blank line ending the headers are not headers") {
  CHECK_FALSE(parse_header_line("HTTP/1.1 200 OK\r\n").has_value());
  CHECK_FALSE(parse_header_line("\r\n").has_value());
  CHECK_FALSE(parse_header_line("").has_value());
}

TEST_CASE("lower_ascii and trim_header_value") {
  CHECK(lower_ascii("Api.Steampowered.COM") == "api.steampowered.com");
  CHECK(trim_header_value(" \t x y \r\n") == "x y");
  CHECK(trim_header_value(" \r\n").empty());
}
