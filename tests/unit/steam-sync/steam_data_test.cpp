// steam_sync's parsing of Steam's answers: appdetails (full details and a
// free app, success:false, fields of unexpected types left empty and named
// in `problems`), bulk prices, the IStoreService and legacy app lists, and
// bodies that are not the expected JSON at all (SteamFormatError).

#include "steam_data.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

using namespace steam_sync;

namespace {

// An appdetails answer as the real store gives it (fields trimmed).
constexpr std::string_view kFullAnswer = R"json({"730":{"success":true,"data":{
  "type":"game",
  "name":"Counter-Strike: Global Offensive",
  "steam_appid":730,
  "required_age":0,
  "is_free":false,
  "short_description":"Counter-Strike: Global Offensive (CS: GO) expands upon the team-based action gameplay.",
  "developers":["Valve","Hidden Path Entertainment"],
  "publishers":["Valve"],
  "price_overview":{"currency":"USD","initial":1499,"final":749,"discount_percent":50,
                    "initial_formatted":"$14.99","final_formatted":"$7.49"},
  "platforms":{"windows":true,"mac":false,"linux":true},
  "categories":[{"id":2,"description":"Single-player"},{"id":1,"description":"Multi-player"}],
  "genres":[{"id":"1","description":"Action"},{"id":"37","description":"Free to Play"}],
  "release_date":{"coming_soon":false,"date":"21 Aug, 2012"}
}}})json";

using Strings = std::vector<std::string>;

std::string joined(const Strings& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : "; ") + item;
  return out;
}

// True when one of `problems` is about `field` ("field: expected ...").
bool names_field(const Strings& problems, const std::string& field) {
  return std::any_of(problems.begin(), problems.end(), [&](const std::string& problem) {
    return problem.rfind(field + ":", 0) == 0;
  });
}

}  // namespace

TEST_CASE("parse_app_details reads every field of a full appdetails answer") {
  auto details = parse_app_details(kFullAnswer, 730);
  REQUIRE(details.has_value());
  CHECK(details->type == "game");
  CHECK(details->name == "Counter-Strike: Global Offensive");
  CHECK(details->is_free == false);
  CHECK(details->short_description ==
        "Counter-Strike: Global Offensive (CS: GO) expands upon the team-based action gameplay.");
  CHECK(details->developers == Strings{"Valve", "Hidden Path Entertainment"});
  CHECK(details->publishers == Strings{"Valve"});
  CHECK(details->categories == Strings{"Single-player", "Multi-player"});
  CHECK(details->genres == Strings{"Action", "Free to Play"});
  CHECK(details->release_date == "21 Aug, 2012");
  CHECK(details->coming_soon == false);
  CHECK(details->platforms == Strings{"windows", "linux"});
  REQUIRE(details->price.has_value());
  CHECK(details->price->currency == "USD");
  CHECK(details->price->initial == 1499);
  CHECK(details->price->final_price == 749);
  CHECK(details->price->discount_percent == 50);
  CHECK_MESSAGE(details->problems.empty(), joined(details->problems));
}

TEST_CASE("parse_app_details: a free app without price_overview has no price") {
  constexpr std::string_view body = R"json({"570":{"success":true,"data":{
    "type":"game","name":"Dota 2","steam_appid":570,"is_free":true,
    "developers":["Valve"],"publishers":["Valve"],
    "platforms":{"windows":true,"mac":true,"linux":true},
    "release_date":{"coming_soon":false,"date":"9 Jul, 2013"}}}})json";
  auto details = parse_app_details(body, 570);
  REQUIRE(details.has_value());
  CHECK(details->name == "Dota 2");
  CHECK(details->is_free == true);
  CHECK_FALSE(details->price.has_value());
  CHECK(details->platforms == Strings{"windows", "mac", "linux"});
  CHECK(details->release_date == "9 Jul, 2013");
  CHECK(details->genres.empty());
  CHECK(details->categories.empty());
  CHECK_FALSE(details->short_description.has_value());
  CHECK_MESSAGE(details->problems.empty(), joined(details->problems));
}

TEST_CASE("parse_app_details: success:false means the app is unavailable (nullopt)") {
  CHECK_FALSE(parse_app_details(R"({"730":{"success":false}})", 730).has_value());
}

TEST_CASE("parse_app_details: fields of unexpected types are left empty and named in problems") {
  constexpr std::string_view body = R"json({"730":{"success":true,"data":{
    "type":"game",
    "name":"Odd App",
    "is_free":"no",
    "developers":"Valve",
    "publishers":["Valve"],
    "price_overview":[],
    "release_date":"2012",
    "platforms":null,
    "genres":[{"id":1,"description":5}],
    "categories":[{"id":2,"description":"Single-player"}]
  }}})json";
  auto details = parse_app_details(body, 730);
  REQUIRE(details.has_value());
  // The well-typed fields are still read.
  CHECK(details->name == "Odd App");
  CHECK(details->type == "game");
  CHECK(details->publishers == Strings{"Valve"});
  CHECK(details->categories == Strings{"Single-player"});
  // The others are empty.
  CHECK_FALSE(details->is_free.has_value());
  CHECK(details->developers.empty());
  CHECK_FALSE(details->price.has_value());
  CHECK_FALSE(details->release_date.has_value());
  CHECK_FALSE(details->coming_soon.has_value());
  CHECK(details->platforms.empty());
  CHECK(details->genres.empty());

  const auto& problems = details->problems;
  auto listed = joined(problems);
  CAPTURE(listed);
  CHECK(problems.size() == 5);
  CHECK(names_field(problems, "is_free"));
  CHECK(names_field(problems, "developers"));
  CHECK(names_field(problems, "price_overview"));
  CHECK(names_field(problems, "release_date"));
  CHECK(names_field(problems, "genres"));
  // null is simply absent, not a problem.
  CHECK_FALSE(names_field(problems, "platforms"));
}

TEST_CASE("parse_app_details: success:true with data that is not an object") {
  auto details = parse_app_details(R"({"730":{"success":true,"data":[]}})", 730);
  REQUIRE(details.has_value());
  CHECK(details->problems == Strings{"data: expected an object"});
  CHECK_FALSE(details->name.has_value());
  CHECK_FALSE(details->price.has_value());
}

TEST_CASE("parse_app_details: an answer without an entry for the asked app is refused") {
  CHECK_THROWS_AS(parse_app_details(R"({"570":{"success":true,"data":{"name":"Dota 2"}}})", 730),
                  SteamFormatError);
  CHECK_THROWS_AS(parse_app_details(R"({})", 730), SteamFormatError);
  CHECK_THROWS_AS(parse_app_details(R"({"730":true})", 730), SteamFormatError);
}

TEST_CASE("parse_app_details: bodies that are not a JSON object throw SteamFormatError") {
  SUBCASE("a truncated body") {
    auto half = kFullAnswer.substr(0, kFullAnswer.size() / 2);
    CHECK_THROWS_AS(parse_app_details(half, 730), SteamFormatError);
  }
  SUBCASE("an HTML error page") {
    CHECK_THROWS_AS(
        parse_app_details("<html><head><title>502 Bad Gateway</title></head></html>", 730),
        SteamFormatError);
  }
  SUBCASE("an empty body") {
    CHECK_THROWS_AS(parse_app_details("", 730), SteamFormatError);
  }
  SUBCASE("a JSON array") {
    CHECK_THROWS_AS(parse_app_details(R"([{"730":{"success":false}}])", 730), SteamFormatError);
  }
  SUBCASE("deeply nested JSON") {
    CHECK_THROWS_AS(parse_app_details(std::string(10000, '['), 730), SteamFormatError);
  }
}

TEST_CASE("parse_prices keeps the apps Steam answered with success, free ones without a price") {
  constexpr std::string_view body = R"json({
    "730":{"success":true,"data":{"price_overview":{"currency":"EUR","initial":1399,"final":699,
           "discount_percent":50,"initial_formatted":"13,99\u20ac","final_formatted":"6,99\u20ac"}}},
    "570":{"success":true,"data":[]},
    "999999":{"success":false},
    "abc":{"success":true,"data":{"price_overview":{"currency":"EUR","initial":100,"final":100,
           "discount_percent":0}}}
  })json";
  auto prices = parse_prices(body);
  CHECK(prices.size() == 2);
  REQUIRE(prices.count(730) == 1);
  REQUIRE(prices.at(730).has_value());
  const auto& price = *prices.at(730);
  CHECK(price.currency == "EUR");
  CHECK(price.initial == 1399);
  CHECK(price.final_price == 699);
  CHECK(price.discount_percent == 50);
  REQUIRE(prices.count(570) == 1);
  CHECK_FALSE(prices.at(570).has_value());
  CHECK(prices.count(999999) == 0);
}

TEST_CASE("parse_prices refuses a body that is not a JSON object") {
  CHECK_THROWS_AS(parse_prices("<html>Access Denied</html>"), SteamFormatError);
  CHECK_THROWS_AS(parse_prices("[]"), SteamFormatError);
}

TEST_CASE("parse_store_app_list: a page with more results names the next last_appid") {
  constexpr std::string_view body = R"json({"response":{"apps":[
    {"appid":10,"name":"Counter-Strike","last_modified":1745368572,"price_change_number":21319021},
    {"appid":20,"name":"Team Fortress Classic","last_modified":1579634708,"price_change_number":21319021}
  ],"have_more_results":true,"last_appid":20}})json";
  auto page = parse_store_app_list(body);
  REQUIRE(page.apps.size() == 2);
  CHECK(page.apps[0].id == 10);
  CHECK(page.apps[0].name == "Counter-Strike");
  CHECK(page.apps[1].id == 20);
  CHECK(page.apps[1].name == "Team Fortress Classic");
  REQUIRE(page.next_after.has_value());
  CHECK(*page.next_after == 20);
}

TEST_CASE("parse_store_app_list: the last page has no next_after") {
  auto page = parse_store_app_list(R"({"response":{"apps":[{"appid":3000010,"name":"Last"}]}})");
  REQUIRE(page.apps.size() == 1);
  CHECK(page.apps[0].id == 3000010);
  CHECK(page.apps[0].name == "Last");
  CHECK_FALSE(page.next_after.has_value());
}

TEST_CASE("parse_store_app_list: an empty response is an empty last page") {
  auto page = parse_store_app_list(R"({"response":{}})");
  CHECK(page.apps.empty());
  CHECK_FALSE(page.next_after.has_value());
}

TEST_CASE("parse_store_app_list skips entries without a positive appid and counts them") {
  auto page = parse_store_app_list(
      R"({"response":{"apps":[{"name":"No id"},{"appid":10,"name":"Ten\u0000"},)"
      R"({"appid":-3},{"appid":"20"},{"appid":30}]}})");
  REQUIRE(page.apps.size() == 2);
  CHECK(page.apps[0].id == 10);
  CHECK(page.apps[0].name == "Ten");  // NUL removed: PostgreSQL refuses it in text
  CHECK(page.apps[1].id == 30);
  CHECK(page.skipped == 3);
}

TEST_CASE("parse_store_app_list refuses malformed lists") {
  SUBCASE("have_more_results without last_appid") {
    CHECK_THROWS_AS(
        parse_store_app_list(
            R"({"response":{"apps":[{"appid":10,"name":"Counter-Strike"}],"have_more_results":true}})"),
        SteamFormatError);
  }
  SUBCASE("no response object") {
    CHECK_THROWS_AS(parse_store_app_list(R"({})"), SteamFormatError);
    CHECK_THROWS_AS(parse_store_app_list(R"({"applist":{"apps":[]}})"), SteamFormatError);
  }
  SUBCASE("not JSON") {
    CHECK_THROWS_AS(parse_store_app_list("<html></html>"), SteamFormatError);
  }
}

TEST_CASE("parse_legacy_app_list reads applist.apps as a single last page") {
  auto page = parse_legacy_app_list(
      R"({"applist":{"apps":[{"appid":5,"name":"Dedicated Server"},{"appid":7,"name":"Steam Client"}]}})");
  REQUIRE(page.apps.size() == 2);
  CHECK(page.apps[0].id == 5);
  CHECK(page.apps[0].name == "Dedicated Server");
  CHECK(page.apps[1].id == 7);
  CHECK(page.apps[1].name == "Steam Client");
  CHECK_FALSE(page.next_after.has_value());
}

TEST_CASE("parse_legacy_app_list refuses an answer without applist") {
  CHECK_THROWS_AS(parse_legacy_app_list(R"({"response":{"apps":[]}})"), SteamFormatError);
  CHECK_THROWS_AS(parse_legacy_app_list(R"({})"), SteamFormatError);
}
