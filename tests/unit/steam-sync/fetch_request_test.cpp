// The steam-sync.fetch_apps payload (to_payload / from_payload, refusing
// malformed payloads with std::invalid_argument), the ISO 3166-1 country
// check and the JSON summary of a fetch (FetchOutcome::to_json).

#include "task_progress.hpp"
#include <orchestra/text.hpp>
#include "fetch_request.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

using namespace steam_sync;

TEST_CASE("a fetch request without a lease survives to_payload and from_payload") {
  FetchRequest request;
  request.app_ids = {730, 570, 10};
  request.countries = {"US", "GB"};
  auto payload = to_payload(request);
  CHECK(payload == R"({"app_ids":[730,570,10],"countries":["US","GB"]})");
  auto back = from_payload(payload);
  CHECK(back.app_ids == std::vector<std::int64_t>{730, 570, 10});
  CHECK(back.countries == std::vector<std::string>{"US", "GB"});
  CHECK(back.lease.empty());
}

TEST_CASE("a fetch request with a lease survives to_payload and from_payload") {
  FetchRequest request;
  request.app_ids = {220};
  request.countries = {"DE"};
  request.lease = "sched-42";
  auto payload = to_payload(request);
  CHECK(payload == R"({"app_ids":[220],"countries":["DE"],"lease":"sched-42"})");
  auto back = from_payload(payload);
  CHECK(back.app_ids == std::vector<std::int64_t>{220});
  CHECK(back.countries == std::vector<std::string>{"DE"});
  CHECK(back.lease == "sched-42");
}

TEST_CASE("from_payload refuses malformed payloads with std::invalid_argument") {
  SUBCASE("not a JSON object") {
    CHECK_THROWS_AS(from_payload("not json"), std::invalid_argument);
    CHECK_THROWS_AS(from_payload(""), std::invalid_argument);
    CHECK_THROWS_AS(from_payload(R"([730])"), std::invalid_argument);
    CHECK_THROWS_AS(from_payload(R"("text")"), std::invalid_argument);
  }
  SUBCASE("app_ids missing") {
    CHECK_THROWS_AS(from_payload(R"({"countries":["US"]})"), std::invalid_argument);
  }
  SUBCASE("app_ids not an array") {
    CHECK_THROWS_AS(from_payload(R"({"app_ids":730,"countries":["US"]})"),
                    std::invalid_argument);
  }
  SUBCASE("app_ids holding a string") {
    CHECK_THROWS_AS(from_payload(R"({"app_ids":[730,"570"],"countries":["US"]})"),
                    std::invalid_argument);
  }
  SUBCASE("countries empty") {
    CHECK_THROWS_AS(from_payload(R"({"app_ids":[730],"countries":[]})"), std::invalid_argument);
  }
  SUBCASE("countries missing") {
    CHECK_THROWS_AS(from_payload(R"({"app_ids":[730]})"), std::invalid_argument);
  }
}

TEST_CASE("is_country_code accepts assigned upper-case ISO 3166-1 alpha-2 codes only") {
  for (const auto* code : {"US", "GB", "DE", "JP"}) {
    CAPTURE(code);
    CHECK(orchestra::text::is_country_code(code));
  }
  // "UK" is reserved, not assigned: the United Kingdom is "GB".
  for (const auto* code : {"us", "USA", "", "XX", "UK"}) {
    CAPTURE(code);
    CHECK_FALSE(orchestra::text::is_country_code(code));
  }
}

TEST_CASE("FetchOutcome::to_json writes every counter") {
  FetchOutcome outcome;
  outcome.fetched = 3;
  outcome.unavailable = 1;
  outcome.failed = 5;
  outcome.held_elsewhere = 2;
  outcome.already_fresh = 0;
  outcome.lease_lost = 4;
  CHECK(outcome.to_json() ==
        R"({"fetched":3,"unavailable":1,"failed":5,"held_elsewhere":2,"already_fresh":0,)"
        R"("lease_lost":4})");
  CHECK(FetchOutcome{}.to_json() ==
        R"({"fetched":0,"unavailable":0,"failed":0,"held_elsewhere":0,"already_fresh":0,)"
        R"("lease_lost":0})");
}
