// Notifications benchmark, through the real binary (all-in-one on SQLite):
//   1. live events: N open SSE streams (1,000) whose users follow one team;
//      time from the PATCH of a score to the last stream receiving it,
//      p50/p99 over the samples, against the same with one stream;
//   2. digests: 100,000 users following 3 teams each, made due at once;
//      digests computed and stored per minute, end to end through the
//      tasks;
//   3. webhooks: deliveries per second to a local receiver, one message to
//      each of 1,000 endpoints per score change.
// Each run prints the server's peak memory (VmHWM).
//
//   bench_notifications [--streams 1000] [--samples 50] [--users 100000] [--hooks 1000]

#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include "support/auth.hpp"
#include "support/http_client.hpp"
#include "support/peak_rss.hpp"
#include "support/notification_fixtures.hpp"
#include "support/sse_client.hpp"
#include "support/test_server.hpp"
#include "support/webhook_receiver.hpp"

#include <orchestra/clock.hpp>
#include <orchestra/json.hpp>

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <iostream>
#include <thread>

using namespace orchestra::testing;
using namespace std::chrono_literals;
using Steady = std::chrono::steady_clock;

namespace {

const std::string kAdmin = bearer({"admin"});

Environment bench_env(Environment extra = {}) {
  extra.emplace("ORCHESTRA_PLUGINS__DIR", ORCHESTRA_PLUGIN_DIR);
  extra.emplace("ORCHESTRA_PLUGINS__ENABLED", "[notifications]");
  extra.emplace("ORCHESTRA_LOG__ACCESS", "false");
  extra.emplace("ORCHESTRA_PLUGINS__NOTIFICATIONS__WEBHOOKS", "{allow_private_targets: true}");
  extra.emplace("ORCHESTRA_PLUGINS__NOTIFICATIONS__SCHEDULES", "{digests: {every: 1s}}");
  extra.emplace(kOpenFilesLimit, "8192");
  return extra;
}


HttpResult call(std::uint16_t port, const std::string& token, const std::string& method,
                const std::string& target, const std::string& body = {}) {
  return HttpClient(port).request(method, "/api/v1/notifications" + target, body,
                                  {{"Authorization", token}, {"Content-Type", "application/json"}});
}

std::int64_t created_id(const HttpResult& answer) {
  rapidjson::Document document;
  document.Parse(answer.body.c_str());
  if (answer.status != 201 || !document.IsObject()) {
    throw std::runtime_error("unexpected answer: " + answer.body);
  }
  return document["id"].GetInt64();
}

std::int64_t create_team(std::uint16_t port, int n) {
  return created_id(call(port, kAdmin, "POST", "/teams",
                         fmt::format(R"({{"name":"Team {}","short_name":"T","country":"PL"}})", n)));
}

std::int64_t create_match(std::uint16_t port, std::int64_t home, std::int64_t away,
                          std::int64_t in_ms) {
  return created_id(call(
      port, kAdmin, "POST", "/matches",
      fmt::format(R"({{"competition":"Cup","home_team_id":{},"away_team_id":{},"starts_at":"{}"}})",
                  home, away, orchestra::json::rfc3339(orchestra::unix_ms() + in_ms))));
}

void patch(std::uint16_t port, std::int64_t match, const std::string& body) {
  auto answer = call(port, kAdmin, "PATCH", "/matches/" + std::to_string(match), body);
  if (answer.status != 200) throw std::runtime_error("PATCH failed: " + answer.body);
}

double percentile(std::vector<double> values, double p) {
  std::sort(values.begin(), values.end());
  return values[std::min(values.size() - 1, static_cast<std::size_t>(p * values.size()))];
}

// Milliseconds from each score PATCH to the last of `streams` clients
// receiving it (read in turn, so an upper bound).
std::vector<double> stream_latencies(int streams, int samples, long& peak) {
  TempDir dir;
  TestServer all(dir, "all", test_config(), bench_env());
  PeakRss rss(all.pid());
  auto home = create_team(all.port(), 1), away = create_team(all.port(), 2);
  auto match = create_match(all.port(), home, away, 3'600'000);
  insert_followers(dir.path() / "var/test.db",
                   {"fan-", streams, {home}, 1, 8, /*live_start=*/false});
  std::vector<std::unique_ptr<SseClient>> clients;
  for (int i = 0; i < streams; ++i) {
    clients.push_back(std::make_unique<SseClient>(
        all.port(), "/api/v1/notifications/me/stream",
        std::map<std::string, std::string>{{"Authorization", bearer({}, "fan-" + std::to_string(i))}}));
  }
  patch(all.port(), match, R"({"status":"live"})");
  std::vector<double> latencies;
  for (int sample = 1; sample <= samples; ++sample) {
    auto started = Steady::now();
    patch(all.port(), match, fmt::format(R"({{"score":{{"home":{},"away":0}}}})", sample));
    for (auto& client : clients) {
      auto event = client->next(10s);
      if (!event || event->id != std::to_string(sample)) {
        throw std::runtime_error("a stream missed score " + std::to_string(sample));
      }
    }
    latencies.push_back(std::chrono::duration<double, std::milli>(Steady::now() - started).count());
  }
  peak = rss.mb();
  return latencies;
}

void streams_bench(int streams, int samples) {
  long one_peak = 0, many_peak = 0;
  auto one = stream_latencies(1, samples, one_peak);
  auto many = stream_latencies(streams, samples, many_peak);
  std::cout << fmt::format(
      "live events, PATCH of a score -> last stream received ({} samples):\n"
      "  1 stream:      p50 {:.1f} ms, p99 {:.1f} ms; server peak {} MB\n"
      "  {} streams: p50 {:.1f} ms, p99 {:.1f} ms, max {:.1f} ms; server peak {} MB "
      "(goal p99 <= 250 ms; p99 ratio to one stream {:.1f}x)\n",
      samples, percentile(one, 0.5), percentile(one, 0.99), one_peak, streams,
      percentile(many, 0.5), percentile(many, 0.99), percentile(many, 1.0), many_peak,
      percentile(many, 0.99) / percentile(one, 0.99));
}

void digests_bench(int users) {
  TempDir dir;
  TestServer all(dir, "all", test_config(), bench_env());
  std::vector<std::int64_t> teams;
  for (int i = 0; i < 30; ++i) teams.push_back(create_team(all.port(), i));
  for (int i = 0; i < 30; ++i) {
    create_match(all.port(), teams[static_cast<std::size_t>(i)],
                 teams[static_cast<std::size_t>((i + 1) % 30)], 3'600'000 + i * 60'000);
  }
  auto database = dir.path() / "var/test.db";
  auto hour = static_cast<int>((orchestra::unix_ms() / 3'600'000) % 24);
  insert_followers(database, {"reader-", users, teams, 3, hour});
  auto idle = rss_kb(all.pid());
  PeakRss rss(all.pid());
  auto started = Steady::now();
  make_digests_due(database);
  long long done = 0;
  while ((done = inbox_count(database, "digest.daily")) < users) {
    if (Steady::now() - started > 600s) throw std::runtime_error("digests did not finish");
    std::this_thread::sleep_for(100ms);
  }
  auto seconds = std::chrono::duration<double>(Steady::now() - started).count();
  std::cout << fmt::format(
      "digests: {} users x 3 teams, due at once -> all stored: {:.1f} s = {:.0f} digests/min "
      "(goal >= 100,000/min); server peak {} MB (idle {} MB)\n",
      users, seconds, users / seconds * 60, rss.mb(), idle / 1024);
}

void webhooks_bench(int hooks) {
  WebhookReceiver receiver;
  TempDir dir;
  TestServer all(dir, "all", test_config(), bench_env());
  auto home = create_team(all.port(), 1), away = create_team(all.port(), 2);
  auto match = create_match(all.port(), home, away, 3'600'000);
  for (int i = 0; i < hooks; ++i) {
    auto user = bearer({}, "hook-" + std::to_string(i));
    call(all.port(), user, "PUT", "/me/follows/" + std::to_string(home));
    call(all.port(), user, "POST", "/me/webhooks",
         R"({"url":")" + receiver.url() + R"(","events":["match.score"]})");
  }
  patch(all.port(), match, R"({"status":"live"})");
  PeakRss rss(all.pid());
  std::vector<double> rates;
  for (int round = 1; round <= 3; ++round) {
    auto started = Steady::now();
    patch(all.port(), match, fmt::format(R"({{"score":{{"home":{},"away":0}}}})", round));
    if (!receiver.wait_for(static_cast<std::size_t>(hooks * round), 120s)) {
      throw std::runtime_error("webhooks did not all arrive");
    }
    rates.push_back(hooks / std::chrono::duration<double>(Steady::now() - started).count());
  }
  std::cout << fmt::format(
      "webhooks: {} endpoints, one message each per score change: median {:.0f} deliveries/s "
      "(min {:.0f}, max {:.0f}; signed, one connection per message); server peak {} MB\n",
      hooks, percentile(rates, 0.5), percentile(rates, 0.0), percentile(rates, 1.0), rss.mb());
}

}  // namespace

int main(int argc, char** argv) {
  int streams = 1000, samples = 50, users = 100'000, hooks = 1000;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--streams") streams = std::stoi(argv[i + 1]);
    if (flag == "--samples") samples = std::stoi(argv[i + 1]);
    if (flag == "--users") users = std::stoi(argv[i + 1]);
    if (flag == "--hooks") hooks = std::stoi(argv[i + 1]);
  }
  rlimit files{};
  getrlimit(RLIMIT_NOFILE, &files);
  files.rlim_cur = files.rlim_max;
  setrlimit(RLIMIT_NOFILE, &files);
  try {
    streams_bench(streams, samples);
    digests_bench(users);
    webhooks_bench(hooks);
  } catch (const std::exception& error) {
    std::cerr << "bench_notifications: " << error.what() << '\n';
    return 1;
  }
  return 0;
}
