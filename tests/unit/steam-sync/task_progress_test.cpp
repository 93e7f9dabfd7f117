// What steam-sync's tasks carry across their waits: every field survives
// to_state / from_state, an empty state is a fresh start, and a state this
// version did not write is refused with std::invalid_argument.

#include "task_progress.hpp"

#include <doctest/doctest.h>

#include <stdexcept>

using namespace steam_sync;

TEST_CASE("a fetch's progress survives its state, prices and counts included") {
  FetchProgress progress;
  progress.apps = {10, 20, 30};
  progress.priced_apps = {10, 20, 30, 40};
  progress.price_requests_done = 3;
  progress.prices[10]["GB"] = Price{"GBP", 1999, 999, 50};
  progress.prices[10]["DE"] = std::nullopt;
  progress.prices[40]["GB"] = Price{"GB\"P", 0, 0, 0};
  progress.outcome = FetchOutcome{1, 2, 3, 4, 5, 6};
  progress.attempt = 4;
  auto back = FetchProgress::from_state(progress.to_state());
  CHECK(back.apps == progress.apps);
  CHECK(back.priced_apps == progress.priced_apps);
  CHECK(back.price_requests_done == 3);
  CHECK(back.attempt == 4);
  CHECK(back.outcome.to_json() == progress.outcome.to_json());
  REQUIRE(back.prices[10]["GB"]);
  CHECK(back.prices[10]["GB"]->currency == "GBP");
  CHECK(back.prices[10]["GB"]->final_price == 999);
  CHECK(back.prices[10]["GB"]->discount_percent == 50);
  CHECK_FALSE(back.prices[10]["DE"]);
  CHECK(back.prices[40]["GB"]->currency == "GB\"P");
}

TEST_CASE("a list's progress survives its state") {
  ListProgress progress{730, 3, 150'000, 12, 2, 2};
  auto back = ListProgress::from_state(progress.to_state());
  CHECK(back.after == 730);
  CHECK(back.pages == 3);
  CHECK(back.listed == 150'000);
  CHECK(back.added == 12);
  CHECK(back.skipped == 2);
  CHECK(back.attempt == 2);
}

TEST_CASE("an empty state is a fresh start, a foreign one is refused") {
  CHECK(FetchProgress::from_state("").apps.empty());
  CHECK(FetchProgress::from_state("").attempt == 1);
  CHECK(ListProgress::from_state("").after == 0);
  for (const char* bad : {"[]", "{", R"({"h":[1]})", R"({"after":"x","pages":0,"listed":0,"new":0,"skipped":0,"a":1})",
                          R"({"h":[],"q":[],"r":0,"a":1,"o":[1,2],"p":[]})",
                          R"({"h":[],"q":[],"r":0,"a":1,"o":[0,0,0,0,0,0],"p":[[1,"GB",[1]]]})"}) {
    CAPTURE(bad);
    CHECK_THROWS_AS(FetchProgress::from_state(bad), std::invalid_argument);
  }
  CHECK_THROWS_AS(ListProgress::from_state(R"({"after":1})"), std::invalid_argument);
}
