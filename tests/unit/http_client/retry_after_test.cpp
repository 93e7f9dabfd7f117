// http_client::parse_retry_after: a Retry-After header as delay-seconds
// ("120") or as an HTTP date relative to `now` (never negative); anything
// unreadable, empty or absurdly large is nullopt.

#include "http_client/curl_client.hpp"

#include <doctest/doctest.h>

#include <fmt/format.h>

#include <chrono>
#include <ctime>
#include <string>

using namespace orchestra::http_client;
using namespace std::chrono_literals;

namespace {

// The RFC 9110 example date, Sun, 06 Nov 1994 08:49:37 GMT.
constexpr std::time_t kNow = 784111777;

// `when` as an IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT", written by
// hand so that no locale is involved.
std::string http_date(std::time_t when) {
  static const char* const kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char* const kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::tm parts{};
  gmtime_r(&when, &parts);
  return fmt::format("{}, {:02} {} {} {:02}:{:02}:{:02} GMT", kDays[parts.tm_wday], parts.tm_mday,
                     kMonths[parts.tm_mon], parts.tm_year + 1900, parts.tm_hour, parts.tm_min,
                     parts.tm_sec);
}

}  // namespace

TEST_CASE("parse_retry_after reads delay-seconds") {
  auto now = std::chrono::system_clock::from_time_t(kNow);
  CHECK(parse_retry_after("120", now) == 120000ms);
  CHECK(parse_retry_after(" 5 ", now) == 5000ms);
  CHECK(parse_retry_after("0", now) == 0ms);
  CHECK(parse_retry_after("999999999", now) == 999999999000ms);
}

TEST_CASE("parse_retry_after refuses empty, unreadable and too long values") {
  auto now = std::chrono::system_clock::from_time_t(kNow);
  CHECK_FALSE(parse_retry_after("", now).has_value());
  CHECK_FALSE(parse_retry_after("   ", now).has_value());
  CHECK_FALSE(parse_retry_after("abc", now).has_value());
  CHECK_FALSE(parse_retry_after("9999999999", now).has_value());  // ten digits
}

TEST_CASE("parse_retry_after reads an HTTP date as the delay from now") {
  auto now = std::chrono::system_clock::from_time_t(kNow);
  // The helper itself writes the RFC's example exactly.
  REQUIRE(http_date(kNow) == "Sun, 06 Nov 1994 08:49:37 GMT");
  REQUIRE(http_date(kNow + 30) == "Sun, 06 Nov 1994 08:50:07 GMT");
  CHECK(parse_retry_after(http_date(kNow + 30), now) == 30000ms);
  CHECK(parse_retry_after(http_date(kNow), now) == 0ms);
}

TEST_CASE("parse_retry_after: an HTTP date in the past is no delay") {
  auto now = std::chrono::system_clock::from_time_t(kNow);
  CHECK(parse_retry_after(http_date(kNow - 30), now) == 0ms);
  CHECK(parse_retry_after("Sat, 01 Jan 1994 00:00:00 GMT", now) == 0ms);
}

TEST_CASE("ClientResponse::retry_after reads the header in either form, or nothing") {
  orchestra::http::ClientResponse response;
  CHECK_FALSE(response.retry_after().has_value());
  response.headers = {{"retry-after", "30"}};
  CHECK(response.retry_after() == 30000ms);
  auto in_an_hour = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now()) + 3600;
  response.headers = {{"retry-after", http_date(in_an_hour)}};
  auto wait = response.retry_after();
  REQUIRE(wait.has_value());
  CHECK(*wait > 3590s);
  CHECK(*wait <= 3600s);
  response.headers = {{"retry-after", "soon"}};
  CHECK_FALSE(response.retry_after().has_value());
}
