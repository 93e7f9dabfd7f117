// Request bodies of the notifications API: every mistake is a 400 naming
// its field; partial bodies change only what they name.

#include "preferences.hpp"
#include "sports.hpp"

#include <orchestra/http.hpp>

#include <doctest/doctest.h>

using namespace notifications;
using orchestra::http::HttpError;

namespace {

std::string refusal(const std::function<void()>& call) {
  try {
    call();
  } catch (const HttpError& error) {
    return std::to_string(error.status()) + " " + error.detail();
  }
  return "accepted";
}

}  // namespace

TEST_CASE("preferences: a partial PUT keeps the rest, reminders are sorted and distinct") {
  auto p = read_preferences(R"({"time_zone":"America/New_York","reminders":[10,60,10]})", {});
  CHECK(p.time_zone == "America/New_York");
  CHECK(p.reminders == std::vector<int>{60, 10});
  CHECK(p.daily_hour == 8);
  p = read_preferences(R"({"weekly":{"weekday":0},"live":["score"]})", p);
  CHECK(p.weekly_weekday == 0);
  CHECK(p.weekly_hour == 8);
  CHECK(p.time_zone == "America/New_York");
  CHECK(p.wants_live("score"));
  CHECK_FALSE(p.wants_live("start"));
  CHECK(preferences_json(p).find(R"("live":["score"])") != std::string::npos);
}

TEST_CASE("preferences: mistakes name their field") {
  CHECK(refusal([] { read_preferences(R"({"time_zone":"Europe/Nowhere"})", {}); }) ==
        "400 time_zone: unknown time zone 'Europe/Nowhere'; expected an IANA name such as "
        "Europe/Warsaw");
  CHECK(refusal([] { read_preferences(R"({"daily":{"hour":24}})", {}); }) ==
        "400 daily.hour must be an integer from 0 to 23");
  CHECK(refusal([] { read_preferences(R"({"weekly":{"weekday":7}})", {}); }) ==
        "400 weekly.weekday must be an integer from 0 to 6");
  CHECK(refusal([] { read_preferences(R"({"reminders":[0]})", {}); })
            .find("400 reminders: 0 is not a number of minutes") == 0);
  CHECK(refusal([] { read_preferences(R"({"live":["goal"]})", {}); })
            .find("400 live: unknown event 'goal'") == 0);
  CHECK(refusal([] { read_preferences(R"({"dialy":{}})", {}); }).find("400") == 0);
  CHECK(refusal([] { read_preferences("[1]", {}); }).find("400") == 0);
}

TEST_CASE("teams and matches: creation needs every field, PATCH changes what it names") {
  auto team = read_team(R"({"name":"Górnik Zabrze","short_name":"GÓR","country":"PL"})", {}, true);
  CHECK(team.name == "Górnik Zabrze");
  CHECK_FALSE(team.logo_url);
  CHECK(refusal([] { read_team(R"({"name":"X","short_name":"X","country":"XX"})", {}, true); })
            .find("400 country") == 0);
  CHECK(refusal([] { read_team(R"({"name":"X","country":"PL"})", {}, true); }).find("400") == 0);
  CHECK(refusal([] { read_team(R"({"logo_url":"ftp://x"})", {}, false); }) ==
        "400 logo_url must be an http or https URL");

  auto match = read_match(R"({"competition":"Cup","home_team_id":1,"away_team_id":2,)"
                          R"("starts_at":"2026-12-05T18:30:00+01:00"})",
                          {}, true);
  CHECK(match.starts_at == 1796491800000);
  CHECK(match.status == "scheduled");
  auto live = read_match(R"({"status":"live","score":{"home":1,"away":0}})", match, false);
  CHECK(live.competition == "Cup");
  CHECK(live_changes(match, live) == std::vector<std::string>{"start", "score"});
  auto ended = read_match(R"({"status":"finished"})", live, false);
  CHECK(live_changes(live, ended) == std::vector<std::string>{"end"});
  auto moved = read_match(R"({"starts_at":"2026-12-06T18:30:00Z","venue":null})", match, false);
  CHECK(live_changes(match, moved).empty());
  CHECK(refusal([&] { read_match(R"({"starts_at":"tomorrow"})", match, false); })
            .find("400 starts_at must be an RFC 3339 timestamp") == 0);
  CHECK(refusal([&] { read_match(R"({"status":"paused"})", match, false); })
            .find("400 status must be one of") == 0);
  CHECK(refusal([&] { read_match(R"({"away_team_id":1})", match, false); }) ==
        "400 home_team_id and away_team_id must be different teams");
  CHECK(refusal([&] { read_match(R"({"score":{"home":-1,"away":0}})", match, false); }) ==
        "400 score.home must be an integer from 0 to 1000");
}
