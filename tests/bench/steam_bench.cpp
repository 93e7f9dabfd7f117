// steam-sync benchmark against the test suite's fake Steam, through the
// real binary (all-in-one on SQLite, one worker process):
//   1. throughput with no rate limit: apps fetched, parsed and stored per
//      second (details in US, bulk prices in GB and DE), against the
//      baseline of the same fake's appdetails answered to one sequential
//      libcurl client in this process (requests/s);
//   2. with a rate limit of B requests per W: the store requests actually
//      received in each window of W while there is work, and the most in
//      any sliding window, against B (must be <= B, >= 95 % of it).
//
//   bench_steam [--apps 2000] [--budget 100] [--window 5] [--windows 4]

#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include "support/auth.hpp"
#include "support/fake_steam.hpp"
#include "support/http_client.hpp"
#include "support/test_server.hpp"

#include "http_client/curl_client.hpp"

#include <fmt/format.h>
#include <rapidjson/document.h>

#include <cstdlib>
#include <cstring>
#include <iostream>
#include <thread>

using namespace orchestra::testing;
using namespace std::chrono_literals;
using Steady = std::chrono::steady_clock;

namespace {

struct Options {
  int apps = 2000;
  int budget = 100;
  int window_seconds = 5;
  int windows = 4;
};

Options parse_options(int argc, char** argv) {
  Options options;
  for (int i = 1; i + 1 < argc; i += 2) {
    int value = std::atoi(argv[i + 1]);
    if (value <= 0) throw std::runtime_error(fmt::format("{} needs a positive number", argv[i]));
    if (!std::strcmp(argv[i], "--apps")) options.apps = value;
    else if (!std::strcmp(argv[i], "--budget")) options.budget = value;
    else if (!std::strcmp(argv[i], "--window")) options.window_seconds = value;
    else if (!std::strcmp(argv[i], "--windows")) options.windows = value;
    else throw std::runtime_error(fmt::format("unknown option {}", argv[i]));
  }
  return options;
}

Environment steam_env(const FakeSteam& list, const FakeSteam& store, int pick_size) {
  return {{"ORCHESTRA_PLUGINS__DIR", ORCHESTRA_PLUGIN_DIR},
          {"ORCHESTRA_PLUGINS__ENABLED", "[steam-sync]"},
          {"ORCHESTRA_LOG__ACCESS", "false"},
          {"ORCHESTRA_PLUGINS__STEAM_SYNC__API_URL", list.url()},
          {"ORCHESTRA_PLUGINS__STEAM_SYNC__STORE_URL", store.url()},
          {"ORCHESTRA_PLUGINS__STEAM_SYNC__API_KEY", "bench"},
          {"ORCHESTRA_PLUGINS__STEAM_SYNC__COUNTRIES", "[US, GB, DE]"},
          {"ORCHESTRA_PLUGINS__STEAM_SYNC__PICK_SIZE", std::to_string(pick_size)},
          {"ORCHESTRA_PLUGINS__STEAM_SYNC__BATCH_SIZE", "25"},
          {"ORCHESTRA_PLUGINS__STEAM_SYNC__MAX_PENDING", "1000"},
          {"ORCHESTRA_PLUGINS__STEAM_SYNC__SCHEDULES",
           "{pick_stalest: {every: 1s}, refresh_app_list: {enabled: false}}"}};
}

rapidjson::Document get_json(std::uint16_t port, const std::string& target) {
  auto answer = HttpClient(port, 30s).request("GET", target, {},
                                              {{"Authorization", bearer({"admin"})}});
  rapidjson::Document document;
  document.Parse(answer.body.c_str());
  if (answer.status != 200 || !document.IsObject()) {
    throw std::runtime_error(target + ": " + answer.body);
  }
  return document;
}

void refresh(std::uint16_t port) {
  auto answer = HttpClient(port).request("POST", "/api/v1/steam-sync/tasks/refresh-app-list", {},
                                         {{"Authorization", bearer({"admin"})}});
  rapidjson::Document document;
  document.Parse(answer.body.c_str());
  std::string id = document["task_id"].GetString();
  for (;;) {
    auto task = get_json(port, "/api/v1/tasks/" + id);
    if (std::string(task["state"].GetString()) == "succeeded") return;
    std::this_thread::sleep_for(20ms);
  }
}

std::int64_t never_fetched(std::uint16_t port) {
  return get_json(port, "/api/v1/steam-sync/stats")["never_fetched"].GetInt64();
}

double baseline_requests_per_second(const FakeSteam& store, int requests) {
  orchestra::http_client::CurlClient client({}, nullptr);
  auto start = Steady::now();
  for (int i = 0; i < requests; ++i) {
    auto id = 10 * (1 + i % 100);
    auto answer =
        client.get(fmt::format("{}/api/appdetails?appids={}&cc=US&l=english", store.url(), id));
    if (answer.status != 200) throw std::runtime_error("baseline request failed");
  }
  return requests / std::chrono::duration<double>(Steady::now() - start).count();
}

void throughput(const Options& options) {
  FakeSteam list(options.apps), store(options.apps);
  auto baseline = baseline_requests_per_second(store, 2000);
  store.reset_counters();
  TempDir dir;
  TestServer all(dir, "all", test_config(), steam_env(list, store, options.apps));
  refresh(all.port());
  auto start = Steady::now();
  while (never_fetched(all.port()) > 0) std::this_thread::sleep_for(20ms);
  auto seconds = std::chrono::duration<double>(Steady::now() - start).count();
  auto apps_per_second = options.apps / seconds;
  auto requests_per_second = store.store_requests() / seconds;
  std::cout << fmt::format(
      "throughput: {} apps in {:.2f} s = {:.0f} apps/s end-to-end ({} store requests, {:.0f}/s)\n"
      "  baseline: one sequential libcurl client on the same fake: {:.0f} requests/s\n"
      "  ratio: {:.2f} of the baseline's request rate\n",
      options.apps, seconds, apps_per_second, store.store_requests(), requests_per_second,
      baseline, requests_per_second / baseline);
}

void rate_limited(const Options& options) {
  auto window = std::chrono::seconds(options.window_seconds);
  FakeSteam list(options.apps), store(options.apps);
  TempDir dir;
  auto config = test_config(fmt::format(
      "http_client:\n  rate_limits:\n    \"127.0.0.1:{}\": {{requests: {}, per: {}s}}\n",
      store.port(), options.budget, options.window_seconds));
  TestServer all(dir, "all", config, steam_env(list, store, 200));
  refresh(all.port());
  store.reset_counters();
  // Windows start at the first store request (the first pick).
  std::this_thread::sleep_for(window * options.windows + 1500ms);
  auto times = store.store_request_times();
  if (times.empty()) throw std::runtime_error("no store request was made");
  auto start = times.front();
  std::cout << fmt::format("rate limit: budget {} requests per {} s, {} windows with work\n",
                           options.budget, options.window_seconds, options.windows);
  double lowest = 1e9;
  for (int w = 0; w < options.windows; ++w) {
    auto from = start + window * w, to = from + window;
    auto count = std::count_if(times.begin(), times.end(),
                               [&](auto at) { return at >= from && at < to; });
    lowest = std::min(lowest, static_cast<double>(count) / options.budget);
    std::cout << fmt::format("  window {}: {} requests = {:.1f} % of the budget\n", w + 1, count,
                             100.0 * count / options.budget);
  }
  auto most = store.max_store_requests_in(window);
  std::cout << fmt::format(
      "  most in any sliding {} s window: {} ({})\n  lowest window: {:.1f} % ({})\n",
      options.window_seconds, most, most <= options.budget ? "<= budget" : "OVER BUDGET",
      100 * lowest, lowest >= 0.95 ? ">= 95 %" : "under 95 %");
}

}  // namespace

int main(int argc, char** argv) {
  try {
    auto options = parse_options(argc, argv);
    throughput(options);
    rate_limited(options);
    return 0;
  } catch (const std::exception& error) {
    std::cerr << "bench_steam: " << error.what() << "\n";
    return 1;
  }
}
