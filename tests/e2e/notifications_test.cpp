// The notifications plugin through the real binary: on Redis with two api
// and two worker processes (streams across processes, resuming with
// Last-Event-ID, digests exactly once while a worker is killed, reminders
// of a rescheduled match), and on the all-in-one (signed webhooks with
// retries and 410 Gone, bad input).

#include "support/auth.hpp"
#include "support/http_client.hpp"
#include "support/notification_fixtures.hpp"
#include "support/sse_client.hpp"
#include "support/test_server.hpp"
#include "support/webhook_receiver.hpp"
#include "support/wait_until.hpp"

#include <orchestra/clock.hpp>
#include <orchestra/json.hpp>

#include <doctest/doctest.h>
#include <rapidjson/document.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>
#include <sodium.h>

#include <csignal>
#include <cstdlib>
#include <functional>
#include <random>
#include <thread>

using namespace orchestra::testing;
using namespace std::chrono_literals;

namespace {

const std::string kAdmin = bearer({"admin"});

Environment notifications_env(Environment extra = {}) {
  extra.emplace("ORCHESTRA_PLUGINS__DIR", ORCHESTRA_PLUGIN_DIR);
  extra.emplace("ORCHESTRA_PLUGINS__ENABLED", "[notifications]");
  extra.emplace("ORCHESTRA_PLUGINS__NOTIFICATIONS__WEBHOOKS",
                "{allow_private_targets: true, retry_schedule: [0s, 1s, 1s]}");
  extra.emplace("ORCHESTRA_PLUGINS__NOTIFICATIONS__TASK_LEASE", "2s");
  extra.emplace("ORCHESTRA_PLUGINS__NOTIFICATIONS__BATCH_SIZE", "20");
  extra.emplace("ORCHESTRA_PLUGINS__NOTIFICATIONS__STREAM_RESYNC", "1s");
  extra.emplace("ORCHESTRA_PLUGINS__NOTIFICATIONS__SCHEDULES", "{digests: {every: 1s}}");
  return extra;
}

// Redis for every process, under a prefix of this test's own.
std::optional<Environment> redis_env() {
  const char* redis = std::getenv("ORCHESTRA_TEST_REDIS_URL");
  if (redis == nullptr) {
    FAIL_CHECK("ORCHESTRA_TEST_REDIS_URL is not set; run ./scripts/test.sh");
    return std::nullopt;
  }
  return notifications_env(
      {{"ORCHESTRA_QUEUE__BACKEND", "redis"},
       {"ORCHESTRA_QUEUE__REDIS_URL", redis},
       {"ORCHESTRA_QUEUE__REDIS_PREFIX", "e2e" + std::to_string(std::random_device{}()) + ":"}});
}

HttpResult call(std::uint16_t port, const std::string& token, const std::string& method,
                const std::string& target, const std::string& body = {}) {
  return HttpClient(port).request(method, "/api/v1/notifications" + target, body,
                                  {{"Authorization", token},
                                   {"Content-Type", "application/json"}});
}

rapidjson::Document json_of(const HttpResult& answer, int status) {
  REQUIRE_MESSAGE(answer.status == status, answer.body);
  rapidjson::Document document;
  document.Parse(answer.body.c_str());
  REQUIRE_MESSAGE(!document.HasParseError(), answer.body);
  return document;
}

std::int64_t create_team(std::uint16_t port, const std::string& name) {
  auto team = json_of(call(port, kAdmin, "POST", "/teams",
                           R"({"name":")" + name + R"(","short_name":"T","country":"PL"})"),
                      201);
  return team["id"].GetInt64();
}

std::string in(std::int64_t ms) { return orchestra::json::rfc3339(orchestra::unix_ms() + ms); }

std::int64_t create_match(std::uint16_t port, std::int64_t home, std::int64_t away,
                          const std::string& starts_at) {
  auto match = json_of(call(port, kAdmin, "POST", "/matches",
                            R"({"competition":"Cup","home_team_id":)" + std::to_string(home) +
                                R"(,"away_team_id":)" + std::to_string(away) +
                                R"(,"starts_at":")" + starts_at + R"("})"),
                       201);
  return match["id"].GetInt64();
}

void patch_match(std::uint16_t port, std::int64_t id, const std::string& body) {
  auto answer = call(port, kAdmin, "PATCH", "/matches/" + std::to_string(id), body);
  REQUIRE_MESSAGE(answer.status == 200, answer.body);
}

rapidjson::Document inbox(std::uint16_t port, const std::string& token) {
  return json_of(call(port, token, "GET", "/me/inbox?limit=500"), 200);
}

std::map<std::string, std::string> auth(const std::string& token,
                                        std::optional<std::string> last_event_id = {}) {
  std::map<std::string, std::string> headers{{"Authorization", token}};
  if (last_event_id) headers["Last-Event-ID"] = *last_event_id;
  return headers;
}

// The receiver's own check of a Standard Webhooks signature, with
// libsodium directly (not the plugin's code).
bool signature_valid(const std::string& secret, const ReceivedRequest& request) {
  auto encoded = secret.substr(6);
  std::vector<unsigned char> key(64);
  std::size_t key_length = 0;
  if (sodium_base642bin(key.data(), key.size(), encoded.data(), encoded.size(), nullptr,
                        &key_length, nullptr, sodium_base64_VARIANT_ORIGINAL) != 0) {
    return false;
  }
  auto content = request.headers.at("webhook-id") + "." +
                 request.headers.at("webhook-timestamp") + "." + request.body;
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, key.data(), key_length);
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(content.data()),
                                content.size());
  crypto_auth_hmacsha256_final(&state, mac);
  char text[sodium_base64_ENCODED_LEN(crypto_auth_hmacsha256_BYTES,
                                      sodium_base64_VARIANT_ORIGINAL)];
  sodium_bin2base64(text, sizeof text, mac, sizeof mac, sodium_base64_VARIANT_ORIGINAL);
  return request.headers.at("webhook-signature") == std::string("v1,") + text;
}

}  // namespace

TEST_CASE("notifications: a score sent through one api reaches a stream on the other, and a "
          "reconnect gets exactly what it missed") {
  auto env = redis_env();
  if (!env) return;
  TempDir dir;
  TestServer api1(dir, "api", test_config(), *env);
  TestServer api2(dir, "api", test_config(), *env);
  TestServer worker1(dir, "worker", test_config(), *env);
  TestServer worker2(dir, "worker", test_config(), *env);
  auto fan = bearer({}, "fan-1");
  auto home = create_team(api2.port(), "Górnik"), away = create_team(api2.port(), "Legia");
  REQUIRE(call(api1.port(), fan, "PUT", "/me/follows/" + std::to_string(home)).status == 204);
  auto match = create_match(api2.port(), home, away, in(3'600'000));

  auto stream = std::make_unique<SseClient>(api1.port(), "/api/v1/notifications/me/stream",
                                            auth(fan));
  patch_match(api2.port(), match, R"({"status":"live"})");
  auto started = stream->next(10s);
  REQUIRE(started);
  CHECK(started->id == "1");
  CHECK(started->event == "match.started");
  auto sent = std::chrono::steady_clock::now();
  patch_match(api2.port(), match, R"({"score":{"home":1,"away":0}})");
  auto scored = stream->next(10s);
  REQUIRE(scored);
  MESSAGE("score change to stream on the other api: "
          << std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::steady_clock::now() - sent)
                 .count()
          << " ms");
  CHECK(scored->id == "2");
  CHECK(scored->data.find(R"("score":{"home":1,"away":0})") != std::string::npos);

  stream->close();
  patch_match(api2.port(), match, R"({"score":{"home":2,"away":0}})");
  patch_match(api2.port(), match, R"({"status":"finished"})");
  wait_until([&] { return inbox(api1.port(), fan)["items"].Size() == 4; }, 20s,
             "the missed events in the inbox");

  stream = std::make_unique<SseClient>(api1.port(), "/api/v1/notifications/me/stream",
                                       auth(fan, "2"));
  auto missed_score = stream->next(10s), missed_end = stream->next(10s);
  REQUIRE(missed_score);
  REQUIRE(missed_end);
  CHECK(missed_score->id == "3");
  CHECK(missed_score->event == "match.score");
  CHECK(missed_end->id == "4");
  CHECK(missed_end->event == "match.ended");
  CHECK_FALSE(stream->next(1500ms));  // nothing twice
  patch_match(api2.port(), match, R"({"score":{"home":2,"away":1}})");
  auto late = stream->next(10s);
  REQUIRE(late);
  CHECK(late->id == "5");
}

TEST_CASE("notifications: digests exactly once per user and period across two workers, one "
          "killed mid-fan-out") {
  auto env = redis_env();
  if (!env) return;
  (*env)["ORCHESTRA_PLUGINS__NOTIFICATIONS__BATCH_SIZE"] = "5";  // many small batches
  TempDir dir;
  TestServer api(dir, "api", test_config(), *env);
  auto worker1 = std::make_unique<TestServer>(dir, "worker", test_config(), *env);
  TestServer worker2(dir, "worker", test_config(), *env);
  std::vector<std::int64_t> teams;
  for (int i = 0; i < 4; ++i) teams.push_back(create_team(api.port(), "Team " + std::to_string(i)));
  create_match(api.port(), teams[0], teams[1], in(3'600'000));
  create_match(api.port(), teams[2], teams[3], in(7'200'000));
  auto loner = bearer({}, "no-matches");
  REQUIRE(call(api.port(), loner, "PUT", "/me/follows/" + std::to_string(
                                                              create_team(api.port(), "Idle")))
              .status == 204);
  // Many users follow three teams each, written straight into the tables
  // (the API's own follows are tested above); each user's daily digest at
  // the current UTC hour, so the latest firing was less than an hour ago
  // and both matches fall in its 24 hours.
  auto database = dir.path() / "var/test.db";
  const int kUsers = 1000;
  insert_followers(database, {"digest-user-", kUsers, {teams[0], teams[1], teams[2]}, 3,
                              static_cast<int>((orchestra::unix_ms() / 3'600'000) % 24)});
  auto delivered = [&] { return inbox_count(database, "digest.daily"); };
  make_digests_due(database);  // the loner's too
  auto deadline = std::chrono::steady_clock::now() + 20s;
  while (delivered() == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(1ms);
  }
  worker1->signal(SIGKILL);
  auto at_kill = delivered();
  MESSAGE("digests delivered when worker 1 was killed: " << at_kill << " of " << kUsers);
  CHECK(at_kill > 0);
  CHECK(at_kill < kUsers);  // killed mid-fan-out
  wait_until([&] { return delivered() >= kUsers; }, 30s, "every digest");
  std::this_thread::sleep_for(3s);  // ticks and re-run batches find nothing more to send
  CHECK(delivered() == kUsers);
  soci::session session(soci::sqlite3, database.string());
  long long repeated = -1;
  session << "SELECT COUNT(*) FROM (SELECT user_id FROM notification_inbox GROUP BY user_id, "
              "dedupe_key HAVING COUNT(*) > 1) AS twice",
      soci::into(repeated);
  CHECK(repeated == 0);
  CHECK(inbox(api.port(), loner)["items"].Size() == 0);  // an empty digest is not sent
  auto one = inbox(api.port(), bearer({}, "digest-user-777"));
  REQUIRE(one["items"].Size() == 1);
  CHECK(std::string(one["items"][0]["kind"].GetString()) == "digest.daily");
  CHECK(one["items"][0]["data"]["matches"].Size() == 2);
}

TEST_CASE("notifications: a rescheduled match reminds at its new time only, a postponed one not "
          "at all") {
  auto env = redis_env();
  if (!env) return;
  TempDir dir;
  TestServer api1(dir, "api", test_config(), *env);
  TestServer api2(dir, "api", test_config(), *env);
  TestServer worker1(dir, "worker", test_config(), *env);
  TestServer worker2(dir, "worker", test_config(), *env);
  auto home = create_team(api1.port(), "Home"), away = create_team(api1.port(), "Away");
  auto fan = bearer({}, "early-bird");
  REQUIRE(call(api1.port(), fan, "PUT", "/me/preferences", R"({"reminders":[1]})").status == 200);
  REQUIRE(call(api1.port(), fan, "PUT", "/me/follows/" + std::to_string(home)).status == 204);
  auto start = std::chrono::steady_clock::now();
  auto moved = create_match(api1.port(), home, away, in(64'000));      // reminder in 4 s
  auto postponed = create_match(api1.port(), away, home, in(65'000));  // in 5 s
  auto new_start = in(69'000);
  patch_match(api2.port(), moved, R"({"starts_at":")" + new_start + R"("})");  // now in 9 s
  patch_match(api2.port(), postponed, R"({"status":"postponed"})");
  std::this_thread::sleep_for(6s);
  CHECK(inbox(api1.port(), fan)["items"].Size() == 0);  // the old time passed without one
  wait_until([&] { return inbox(api1.port(), fan)["items"].Size() == 1; }, 15s, "the reminder");
  CHECK(std::chrono::steady_clock::now() - start >= 8s);
  std::this_thread::sleep_for(2s);
  auto items = inbox(api1.port(), fan);
  REQUIRE(items["items"].Size() == 1);
  const auto& reminder = items["items"][0];
  CHECK(std::string(reminder["kind"].GetString()) == "reminder");
  CHECK(reminder["data"]["match"]["id"].GetInt64() == moved);
  CHECK(std::string(reminder["data"]["match"]["starts_at"].GetString()) == new_start);
  CHECK(reminder["data"]["minutes_before"].GetInt() == 1);
}

TEST_CASE("notifications: webhooks are signed, retried with one webhook-id, and 410 disables "
          "the endpoint") {
  REQUIRE(sodium_init() >= 0);
  WebhookReceiver receiver;
  TempDir dir;
  TestServer all(dir, "all", test_config(), notifications_env());
  auto fan = bearer({}, "hooked");
  auto hook = json_of(call(all.port(), fan, "POST", "/me/webhooks",
                           R"({"url":")" + receiver.url() + R"(","events":["match.score"]})"),
                      201);
  std::string secret = hook["secret"].GetString();
  std::string hook_id = hook["id"].GetString();
  CHECK(secret.rfind("whsec_", 0) == 0);
  auto listed = call(all.port(), fan, "GET", "/me/webhooks");
  CHECK(listed.body.find("whsec_") == std::string::npos);  // the secret is shown once

  auto home = create_team(all.port(), "Home"), away = create_team(all.port(), "Away");
  REQUIRE(call(all.port(), fan, "PUT", "/me/follows/" + std::to_string(away)).status == 204);
  auto match = create_match(all.port(), home, away, in(3'600'000));
  receiver.answer_next(500);
  receiver.answer_next(503, 1, /*retry_after=*/2);
  patch_match(all.port(), match, R"({"status":"live","score":{"home":0,"away":1}})");
  REQUIRE(receiver.wait_for(3, 20s));
  std::this_thread::sleep_for(1500ms);
  auto requests = receiver.received();
  REQUIRE(requests.size() == 3);  // match.started is not subscribed; the score three times
  for (const auto& request : requests) {
    CHECK(request.method == "POST");
    CHECK(request.headers.at("webhook-id") == requests[0].headers.at("webhook-id"));
    CHECK(signature_valid(secret, request));
    CHECK(request.body.find(R"("type":"match.score")") != std::string::npos);
  }
  CHECK(requests[1].at - requests[0].at >= 900ms);   // the schedule's 1 s
  CHECK(requests[2].at - requests[1].at >= 1900ms);  // Retry-After: 2 is longer
  auto deliveries =
      json_of(call(all.port(), fan, "GET", "/me/webhooks/" + hook_id + "/deliveries"), 200);
  REQUIRE(deliveries["items"].Size() == 1);
  const auto& delivery = deliveries["items"][0];
  CHECK(std::string(delivery["status"].GetString()) == "succeeded");
  REQUIRE(delivery["history"].Size() == 3);
  CHECK(delivery["history"][0]["status_code"].GetInt() == 500);
  CHECK(delivery["history"][1]["status_code"].GetInt() == 503);
  CHECK(delivery["history"][2]["status_code"].GetInt() == 200);

  receiver.answer_next(410);
  patch_match(all.port(), match, R"({"score":{"home":0,"away":2}})");
  REQUIRE(receiver.wait_for(4, 20s));
  wait_until(
      [&] {
        return call(all.port(), fan, "GET", "/me/webhooks").body.find(R"("enabled":false)") !=
               std::string::npos;
      },
      10s, "the endpoint to be disabled");
  CHECK(call(all.port(), fan, "GET", "/me/webhooks").body.find("410 Gone") != std::string::npos);
  patch_match(all.port(), match, R"({"score":{"home":0,"away":3}})");
  std::this_thread::sleep_for(2s);
  CHECK(receiver.received().size() == 4);  // nothing more to a disabled endpoint

  deliveries =
      json_of(call(all.port(), fan, "GET", "/me/webhooks/" + hook_id + "/deliveries"), 200);
  std::string dead_id;
  for (const auto& item : deliveries["items"].GetArray()) {
    if (std::string(item["status"].GetString()) == "dead" && item["attempts"].GetInt() == 1) {
      dead_id = item["id"].GetString();
    }
  }
  REQUIRE_FALSE(dead_id.empty());
  auto retry_path = "/me/webhooks/" + hook_id + "/deliveries/" + dead_id + "/retry";
  CHECK(call(all.port(), fan, "POST", retry_path).status == 409);  // disabled still
  REQUIRE(call(all.port(), fan, "PATCH", "/me/webhooks/" + hook_id, R"({"enabled":true})")
              .status == 200);
  CHECK(call(all.port(), fan, "POST", retry_path).status == 202);
  REQUIRE(receiver.wait_for(5, 20s));
  CHECK(receiver.received()[4].headers.at("webhook-id") == dead_id);
  CHECK(call(all.port(), bearer({}, "someone-else"), "POST", retry_path).status == 404);
}

TEST_CASE("notifications: bad input gets a clear 4xx, private webhook targets are refused, a "
          "quiet stream gets keep-alive comments") {
  TempDir dir;
  auto env = notifications_env();
  env["ORCHESTRA_PLUGINS__NOTIFICATIONS__WEBHOOKS"] = "{allow_private_targets: false}";
  env["ORCHESTRA_SERVER__STREAM_KEEPALIVE"] = "200ms";
  TestServer all(dir, "all", test_config(), env);
  auto user = bearer({}, "someone");
  auto refused = call(all.port(), user, "POST", "/me/webhooks",
                      R"({"url":"http://127.0.0.1:9/x","events":["reminder"]})");
  CHECK(refused.status == 400);
  CHECK(refused.body.find("127.0.0.1, which is not a public address") != std::string::npos);
  CHECK(call(all.port(), user, "POST", "/me/webhooks", R"({"url":"ftp://x","events":["reminder"]})")
            .status == 400);
  CHECK(call(all.port(), user, "POST", "/teams", R"({"name":"X","short_name":"X","country":"PL"})")
            .status == 403);
  CHECK(call(all.port(), user, "PUT", "/me/follows/999").status == 404);
  CHECK(call(all.port(), user, "PUT", "/me/follows/abc").status == 400);
  CHECK(call(all.port(), user, "GET", "/matches?from=yesterday").status == 400);
  CHECK(call(all.port(), user, "GET", "/matches?cursor=zzz").status == 400);
  CHECK(call(all.port(), user, "POST", "/me/inbox/read", R"({"ids":[1],"up_to":2})").status ==
        400);
  auto stream = HttpClient(all.port()).request(
      "GET", "/api/v1/notifications/me/stream", {},
      {{"Authorization", user}, {"Last-Event-ID", "not-a-number"}});
  CHECK(stream.status == 400);
  CHECK(stream.header("content-type") == "application/problem+json");
  auto head = HttpClient(all.port()).request("HEAD", "/api/v1/notifications/me/stream", {},
                                             {{"Authorization", user}});
  CHECK(head.status == 200);  // headers only, not an endless body
  CHECK(head.header("content-type") == "text/event-stream");
  CHECK(HttpClient(all.port()).get("/api/v1/notifications/me/inbox").status == 401);

  SseClient quiet(all.port(), "/api/v1/notifications/me/stream", auth(user));
  CHECK_FALSE(quiet.next(900ms));
  CHECK(quiet.comments() >= 3);  // a keep-alive comment every 200 ms
}
