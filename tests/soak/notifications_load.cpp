#include "workloads.hpp"

#include "support/auth.hpp"

#include <orchestra/clock.hpp>
#include <orchestra/json.hpp>

#include <fmt/format.h>

#include <set>
#include <stdexcept>
#include <thread>
#include <tuple>

namespace soak {

using namespace std::chrono_literals;

namespace {

const std::string kAdmin = orchestra::testing::bearer({"admin"}, "soak-admin");
constexpr int kFans = 3;
const std::vector<std::string> kKinds{"match.started", "match.score", "match.ended"};

std::string fan(int index) { return fmt::format("soak-fan-{}", index); }
std::string token_of(int index) { return orchestra::testing::bearer({}, fan(index)); }

// One notification as the checks see it: fan index, match id, kind.
using EventKey = std::tuple<int, std::int64_t, std::string>;

rapidjson::Document require_created(const orchestra::testing::HttpResult& answer,
                                    const std::string& what) {
  auto document = parse_json(answer.body);
  if (answer.status != 201 || !document.HasMember("id")) {
    throw std::runtime_error(fmt::format("notifications: {} answered {}: {}", what, answer.status,
                                         answer.body));
  }
  return document;
}

std::int64_t require_id(const orchestra::testing::HttpResult& answer, const std::string& what) {
  return require_created(answer, what)["id"].GetInt64();
}

void require_status(const orchestra::testing::HttpResult& answer, int status,
                    const std::string& what) {
  if (answer.status != status) {
    throw std::runtime_error(fmt::format("notifications: {} answered {}: {}", what, answer.status,
                                         answer.body));
  }
}

// The match and kind a webhook body or an inbox item is about.
std::optional<std::pair<std::int64_t, std::string>> event_of(const rapidjson::Value& item) {
  if (!item.IsObject() || !item.HasMember("kind") || !item.HasMember("data")) return std::nullopt;
  const auto& data = item["data"];
  if (!data.IsObject() || !data.HasMember("match") || !data["match"].HasMember("id")) {
    return std::nullopt;
  }
  return std::pair{data["match"]["id"].GetInt64(), text_of(item, "kind")};
}

}  // namespace

NotificationsLoad::NotificationsLoad(Api& api, orchestra::testing::WebhookReceiver& receiver)
    : api_(api), receiver_(receiver) {
  const std::string teams = "/api/v1/notifications/teams";
  home_ = require_id(api_.send_until_answered("POST", teams, kAdmin,
                                              R"({"name":"Soak Home","short_name":"SH","country":"PL"})"),
                     "POST /teams");
  away_ = require_id(api_.send_until_answered("POST", teams, kAdmin,
                                              R"({"name":"Soak Away","short_name":"SA","country":"PL"})"),
                     "POST /teams");
  for (int i = 0; i < kFans; ++i) {
    const std::string me = "/api/v1/notifications/me";
    // Live events only: a digest due during the soak is no part of the check.
    require_status(api_.send_until_answered("PUT", me + "/preferences", token_of(i),
                                            R"({"daily":{"enabled":false},"weekly":{"enabled":false}})"),
                   200, "PUT /me/preferences");
    auto hook = fmt::format(R"({{"url":"{}/{}","events":["match.started","match.score","match.ended"]}})",
                            receiver_.url(), fan(i));
    webhooks_.push_back(text_of(
        require_created(api_.send_until_answered("POST", me + "/webhooks", token_of(i), hook),
                        "POST /me/webhooks"),
        "id"));
    require_status(api_.send_until_answered("PUT", me + "/follows/" + std::to_string(home_),
                                            token_of(i)),
                   204, "PUT /me/follows");
  }
}

void NotificationsLoad::submit_next() {
  // Far enough ahead that no reminder fires during the soak.
  auto starts_at = orchestra::json::rfc3339(orchestra::unix_ms() + 2 * 24 * 3600 * 1000LL);
  auto created = api_.send_until_answered(
      "POST", "/api/v1/notifications/matches", kAdmin,
      fmt::format(R"({{"competition":"Soak Cup","home_team_id":{},"away_team_id":{},"starts_at":"{}"}})",
                  home_, away_, starts_at));
  auto match = parse_json(created.body);
  if (created.status != 201 || !match.HasMember("id")) {
    notes_.push_back(fmt::format("notifications: match refused: {} {}", created.status, created.body));
    return;
  }
  auto path = "/api/v1/notifications/matches/" + std::to_string(match["id"].GetInt64());
  // Each change is safe to repeat: the same state again is no new event.
  for (const char* change : {R"({"status":"live"})", R"({"score":{"home":1,"away":0}})",
                             R"({"status":"finished"})"}) {
    auto answer = api_.send_until_answered("PATCH", path, kAdmin, change);
    if (answer.status != 200) {
      notes_.push_back(fmt::format("notifications: PATCH {} {} answered {} {}", path, change,
                                      answer.status, answer.body));
      return;
    }
  }
  matches_.push_back(match["id"].GetInt64());
  std::this_thread::sleep_for(1500ms);
}

Outcome NotificationsLoad::settle(Steady::time_point deadline) {
  Outcome outcome{.kind = "notifications live events (x fans)"};
  outcome.notes = notes_;
  std::set<EventKey> expected;
  for (int i = 0; i < kFans; ++i) {
    for (auto match : matches_) {
      for (const auto& kind : kKinds) expected.emplace(i, match, kind);
    }
  }
  outcome.submitted = static_cast<int>(expected.size());

  // Webhooks: every expected event once, under one webhook-id.
  std::map<std::string, int> deliveries_per_id;
  std::map<std::string, int> fan_of_id;
  std::map<EventKey, std::set<std::string>> ids_per_event;
  for (;;) {
    deliveries_per_id.clear();
    ids_per_event.clear();
    for (const auto& request : receiver_.received()) {
      auto id = request.headers.count("webhook-id") ? request.headers.at("webhook-id") : "";
      ++deliveries_per_id[id];
      auto body = parse_json(request.body);
      auto event = body.HasMember("data") ? event_of(body["data"]) : std::nullopt;
      for (int i = 0; i < kFans && event; ++i) {
        if (request.target.ends_with("/" + fan(i))) {
          ids_per_event[{i, event->first, event->second}].insert(id);
          fan_of_id[id] = i;
        }
      }
    }
    bool all_in = std::all_of(expected.begin(), expected.end(),
                              [&](const EventKey& key) { return ids_per_event.contains(key); });
    if (all_in || Steady::now() > deadline) break;
    std::this_thread::sleep_for(1s);
  }
  check_repeats(deliveries_per_id, fan_of_id, deadline, outcome);
  for (const auto& [key, ids] : ids_per_event) {
    if (ids.size() <= 1) continue;
    outcome.duplicates += static_cast<int>(ids.size()) - 1;
    outcome.notes.push_back(fmt::format("notifications: {} match {} {} sent as {} messages",
                                           fan(std::get<0>(key)), std::get<1>(key),
                                           std::get<2>(key), ids.size()));
  }

  // Inboxes: every expected event once.
  std::map<EventKey, int> in_inbox;
  for (int i = 0; i < kFans; ++i) {
    std::string cursor;
    do {
      auto target = "/api/v1/notifications/me/inbox?limit=500" + (cursor.empty() ? "" : "&cursor=" + cursor);
      // Bounded by the drain's deadline, not a minute per page.
      auto patience = std::chrono::duration_cast<std::chrono::seconds>(deadline - Steady::now());
      auto page = parse_json(
          api_.send_until_answered("GET", target, token_of(i), {}, std::max(patience, 5s)).body);
      if (!page.HasMember("items")) break;
      for (const auto& item : page["items"].GetArray()) {
        if (auto event = event_of(item)) ++in_inbox[{i, event->first, event->second}];
      }
      cursor = text_of(page, "next_cursor");
    } while (!cursor.empty());
  }
  for (const auto& [key, count] : in_inbox) {
    if (count <= 1) continue;
    outcome.duplicates += count - 1;
    outcome.notes.push_back(fmt::format("notifications: {} has match {} {} {} times in the inbox",
                                           fan(std::get<0>(key)), std::get<1>(key),
                                           std::get<2>(key), count));
  }
  for (const auto& key : expected) {
    bool delivered = ids_per_event.contains(key);
    bool stored = in_inbox.contains(key);
    if (delivered && stored) {
      ++outcome.ended;
      ++outcome.expected_state;
      continue;
    }
    ++outcome.lost;
    outcome.notes.push_back(fmt::format("notifications: {} match {} {}: {}{}",
                                           fan(std::get<0>(key)), std::get<1>(key), std::get<2>(key),
                                           delivered ? "" : "no webhook ", stored ? "" : "not in the inbox"));
  }
  return outcome;
}

// The receiver acknowledged every delivery (200), so the product had no
// reason to send a message again unless it could not know the first send
// had happened: an attempt interrupted by its worker's death.
void NotificationsLoad::check_repeats(const std::map<std::string, int>& deliveries_per_id,
                                      const std::map<std::string, int>& fan_of_id,
                                      Steady::time_point deadline, Outcome& outcome) {
  std::map<int, std::set<std::string>> repeated_per_fan;
  for (const auto& [id, count] : deliveries_per_id) {
    if (count > 1) repeated_per_fan[fan_of_id.contains(id) ? fan_of_id.at(id) : -1].insert(id);
  }
  for (const auto& [fan_index, ids] : repeated_per_fan) {
    auto interrupted = fan_index < 0 ? std::map<std::string, int>{}
                                     : interrupted_attempts(fan_index, ids, deadline, outcome.notes);
    for (const auto& id : ids) {
      int repeats = deliveries_per_id.at(id) - 1;
      int explained = std::min(repeats, interrupted.contains(id) ? interrupted.at(id) : 0);
      outcome.resent_after_crash += explained;
      outcome.duplicates += repeats - explained;
      outcome.notes.push_back(fmt::format(
          "notifications: webhook-id {} delivered {} times, each acknowledged; {} interrupted "
          "attempt(s) recorded",
          id, repeats + 1, interrupted.contains(id) ? interrupted.at(id) : 0));
    }
  }
}

std::map<std::string, int> NotificationsLoad::interrupted_attempts(
    int fan_index, const std::set<std::string>& wanted, Steady::time_point deadline,
    std::vector<std::string>& notes) {
  std::map<std::string, int> interrupted;
  auto patience = std::max(
      std::chrono::duration_cast<std::chrono::seconds>(deadline - Steady::now()),
      std::chrono::seconds(5));
  std::string cursor;
  do {
    auto target = fmt::format("/api/v1/notifications/me/webhooks/{}/deliveries?limit=200{}",
                              webhooks_.at(static_cast<std::size_t>(fan_index)),
                              cursor.empty() ? "" : "&cursor=" + cursor);
    auto answer = api_.send_until_answered("GET", target, token_of(fan_index), {}, patience);
    auto page = parse_json(answer.body);
    if (answer.status != 200 || !page.HasMember("items")) {
      notes.push_back(fmt::format("notifications: GET {} answered {}: {}; its repeats count as "
                                   "duplicates",
                                   target, answer.status, answer.body));
      break;
    }
    for (const auto& item : page["items"].GetArray()) {
      auto id = text_of(item, "id");
      if (!wanted.contains(id)) continue;
      int count = 0;
      if (!item.HasMember("history") || !item["history"].IsArray()) continue;
      for (const auto& attempt : item["history"].GetArray()) {
        count += text_of(attempt, "error").starts_with("interrupted") ? 1 : 0;
      }
      interrupted[id] = count;
    }
    cursor = text_of(page, "next_cursor");
  } while (!cursor.empty() && interrupted.size() < wanted.size());
  return interrupted;
}

}  // namespace soak
