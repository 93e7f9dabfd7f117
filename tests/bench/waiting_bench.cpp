// Waiting without holding threads, through the real binary (all-in-one,
// SQLite, the default worker settings: one handler thread per core):
//   1. an 8-operand sum with `+` = 300 ms, submit to the long-poll's answer,
//      against its critical path (3 levels x 300 ms = 0.9 s);
//   2. the same while steam-sync has 50 fetch tasks queued behind a rate
//      limit of 1 request/s on a fake Steam (2 in any 1 s window: one at
//      once, then one per 1.02 s), how soon a small CSV sum starts
//      meanwhile, and the Steam requests made over 20 s;
//   3. 10,000 operations waiting at once (computing_power 10,000, `*` =
//      60 s): the process's RSS and threads before and during.
//
//   bench_waiting [--runs 5]

#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include "support/auth.hpp"
#include "support/fake_steam.hpp"
#include "support/http_client.hpp"
#include "support/test_server.hpp"

#include <orchestra/text.hpp>

#include <fmt/format.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <thread>

using namespace orchestra::testing;
using namespace std::chrono_literals;
using Steady = std::chrono::steady_clock;

namespace {

constexpr double kCriticalPath = 0.9;

rapidjson::Document parse(const std::string& body) {
  rapidjson::Document document;
  document.Parse(body.c_str());
  if (!document.IsObject()) throw std::runtime_error("unexpected answer: " + body);
  return document;
}

HttpResult admin(std::uint16_t port, const std::string& method, const std::string& target,
                 const std::string& body = {}) {
  auto result = HttpClient(port, 60s).request(
      method, target, body,
      {{"Authorization", bearer({"admin"})}, {"Content-Type", "application/json"}});
  if (result.status >= 400) throw std::runtime_error(target + ": " + result.body);
  return result;
}

// Submit to the long-poll's answer, in seconds.
double evaluate(std::uint16_t port, const std::string& req_uid, const std::string& expression) {
  auto started = Steady::now();
  auto created = admin(port, "POST", "/api/v1/calculator/expressions",
                       R"({"req_uid":")" + req_uid + R"(","expression":")" + expression + R"("})");
  std::string id = parse(created.body)["id"].GetString();
  for (;;) {
    auto body = admin(port, "GET", "/api/v1/calculator/expressions/" + id + "?wait=30").body;
    std::string status = parse(body)["status"].GetString();
    if (status == "ok") break;
    if (status == "error") throw std::runtime_error("expression failed: " + body);
  }
  return std::chrono::duration<double>(Steady::now() - started).count();
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

void set_durations(std::uint16_t port, const std::string& body) {
  admin(port, "PUT", "/api/v1/calculator/durations", body);
  std::this_thread::sleep_for(600ms);  // workers re-read them twice a second
}

std::string sum_runs(std::uint16_t port, int runs, const std::string& tag) {
  std::vector<double> seconds;
  for (int i = 0; i < runs; ++i) {
    seconds.push_back(evaluate(port, fmt::format("{}-{}", tag, i), "1+2+3+4+5+6+7+8"));
  }
  auto [low, high] = std::minmax_element(seconds.begin(), seconds.end());
  return fmt::format("median {:.0f} ms ({:.0f}-{:.0f}) = {:.3f}x the 0.9 s critical path",
                     median(seconds) * 1e3, *low * 1e3, *high * 1e3,
                     median(seconds) / kCriticalPath);
}

Environment all_in_one(const TempDir& dir, const FakeSteam& steam, Environment extra = {}) {
  extra.emplace("ORCHESTRA_PLUGINS__DIR", ORCHESTRA_PLUGIN_DIR);
  extra.emplace("ORCHESTRA_PLUGINS__ENABLED", "[calculator, csv-summer, steam-sync]");
  extra.emplace("ORCHESTRA_PLUGINS__STEAM_SYNC__API_URL", steam.url());
  extra.emplace("ORCHESTRA_PLUGINS__STEAM_SYNC__STORE_URL", steam.url());
  extra.emplace("ORCHESTRA_PLUGINS__STEAM_SYNC__COUNTRIES", "[US]");
  extra.emplace("ORCHESTRA_PLUGINS__STEAM_SYNC__SCHEDULES",
                "{pick_stalest: {enabled: false}, refresh_app_list: {enabled: false}}");
  extra.emplace("ORCHESTRA_BLOBS__LOCAL__ROOTS", "[" + (dir.path() / "data").string() + "]");
  extra.emplace("ORCHESTRA_LOG__ACCESS", "false");
  return extra;
}

std::string rate_limit(const FakeSteam& steam) {
  return fmt::format(
      "http_client:\n  rate_limits:\n    \"127.0.0.1:{}\": {{requests: 2, per: 1s, penalty: 1s}}\n",
      steam.port());
}

void wait_for(const std::function<bool()>& done, const char* what) {
  auto deadline = Steady::now() + 120s;
  while (!done()) {
    if (Steady::now() > deadline) throw std::runtime_error(std::string("timed out: ") + what);
    std::this_thread::sleep_for(100ms);
  }
}

std::int64_t count_in(std::uint16_t port, const std::string& type, const char* state) {
  auto stats = parse(admin(port, "GET", "/api/v1/tasks/stats").body);
  if (!stats["by_type"].HasMember(type.c_str())) return 0;
  const auto& states = stats["by_type"][type.c_str()];
  return states.HasMember(state) ? states[state].GetInt64() : 0;
}

void critical_path_under_contention(int runs) {
  TempDir dir;
  FakeSteam steam(500);
  TestServer all(dir, "all", test_config(rate_limit(steam)), all_in_one(dir, steam));
  auto port = all.port();
  set_durations(port, R"({"+":300})");
  std::cout << "1. 1+2+3+4+5+6+7+8, + = 300 ms, idle: " << sum_runs(port, runs, "idle") << "\n";

  admin(port, "POST", "/api/v1/steam-sync/tasks/refresh-app-list");
  wait_for([&] { return count_in(port, "steam-sync.refresh_app_list", "succeeded") == 1; },
           "the app list");
  for (int task = 0; task < 50; ++task) {
    std::string ids;
    for (int app = 0; app < 10; ++app) ids += fmt::format("{}{}", app ? "," : "", 10 + 10 * (task * 10 + app));
    admin(port, "POST", "/api/v1/steam-sync/tasks/fetch-apps", R"({"app_ids":[)" + ids + "]}");
  }
  wait_for([&] { return count_in(port, "steam-sync.fetch_apps", "running") > 0; },
           "fetches under way");
  auto fetches_started = Steady::now();
  auto requests_before = steam.store_requests();
  auto sum = sum_runs(port, runs, "busy");
  std::cout << fmt::format(
      "2. with 50 fetch tasks behind 1 request/s ({} under way, {} queued): {}\n",
      count_in(port, "steam-sync.fetch_apps", "running"),
      count_in(port, "steam-sync.fetch_apps", "queued"), sum);

  std::filesystem::create_directories(dir.path() / "data");
  std::ofstream(dir.path() / "data/small.csv") << "a,b,c,d,e,f,g,h,i,j\n1,2,3,4,5,6,7,8,9,10\n";
  // Enqueued to started, as the task record says (Unix ms, set when a
  // worker claims it).
  std::vector<double> csv;
  for (int i = 0; i < runs; ++i) {
    auto created = admin(port, "POST", "/api/v1/csv-summer/tasks", R"({"file":"small.csv"})");
    std::string id = parse(created.body)["task_id"].GetString();
    rapidjson::Document task;
    wait_for([&] {
      task = parse(admin(port, "GET", "/api/v1/tasks/" + id).body);
      return std::string(task["state"].GetString()) == "succeeded";
    }, "the CSV sum");
    csv.push_back(static_cast<double>(*orchestra::text::parse_rfc3339(task["started_at"].GetString()) -
                                      *orchestra::text::parse_rfc3339(task["created_at"].GetString())));
  }
  std::this_thread::sleep_until(fetches_started + 20s);
  auto requests = steam.store_requests() - requests_before;
  std::cout << fmt::format(
      "   a small CSV sum meanwhile, enqueued to started: median {:.0f} ms, max {:.0f} ms\n"
      "   Steam: {} requests in the first 20 s of the fetches = {:.2f}/s "
      "(the limit allows 1 + 20 / 1.02 = {:.0f})\n",
      median(csv), *std::max_element(csv.begin(), csv.end()), requests,
      requests / 20.0, 1 + 20 / 1.02);
}

struct Usage {
  long rss_kb = 0;
  long threads = 0;
};

Usage usage_of(pid_t pid) {
  std::ifstream status(fmt::format("/proc/{}/status", pid));
  Usage usage;
  for (std::string line; std::getline(status, line);) {
    if (line.starts_with("VmRSS:")) usage.rss_kb = std::stol(line.substr(6));
    if (line.starts_with("Threads:")) usage.threads = std::stol(line.substr(8));
  }
  return usage;
}

void ten_thousand_waiting() {
  TempDir dir;
  FakeSteam steam(1);
  TestServer all(dir, "all", test_config(),
                 all_in_one(dir, steam, {{"ORCHESTRA_PLUGINS__CALCULATOR__COMPUTING_POWER", "10000"}}));
  auto port = all.port();
  set_durations(port, R"({"*":60000,"+":0})");
  auto idle = usage_of(all.pid());
  std::string expression = "1*1";
  for (int i = 1; i < 250; ++i) expression += "+1*1";
  auto started = Steady::now();
  for (int e = 0; e < 40; ++e) {
    admin(port, "POST", "/api/v1/calculator/expressions",
          fmt::format(R"({{"req_uid":"w-{}","expression":"{}"}})", e, expression));
  }
  wait_for([&] { return count_in(port, "calculator.operation", "running") >= 10'000; },
           "10,000 operations under way");
  auto claimed = std::chrono::duration<double>(Steady::now() - started).count();
  auto busy = usage_of(all.pid());
  std::cout << fmt::format(
      "3. 10,000 operations waiting at once (computing_power 10000, * = 60 s), under way "
      "{:.1f} s after submission: RSS {:.1f} MB -> {:.1f} MB (+{:.1f} MB, {:.0f} bytes per "
      "operation), threads {} -> {}\n",
      claimed, idle.rss_kb / 1024.0, busy.rss_kb / 1024.0, (busy.rss_kb - idle.rss_kb) / 1024.0,
      (busy.rss_kb - idle.rss_kb) * 1024.0 / 10'000, idle.threads, busy.threads);
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 5;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::string(argv[i]) == "--runs") runs = std::stoi(argv[i + 1]);
  }
  try {
    critical_path_under_contention(runs);
    ten_thousand_waiting();
  } catch (const std::exception& error) {
    std::cerr << "bench_waiting: " << error.what() << '\n';
    return 1;
  }
  return 0;
}
