// Calculator benchmark, through the real binary over HTTP:
//   1. overhead: `1+1` with durations 0, submit to result (long-poll), p50
//      and p99 over N expressions, all-in-one on SQLite;
//   2. parallel efficiency: a 64-operand sum with `+` = 200 ms on api + 2
//      workers x 16 slots (redis backend), wall time vs the critical-path
//      bound (6 levels x 200 ms);
//   3. throughput: expressions of 10 operations, durations 0, on the redis
//      backend (api + 2 workers), sustained expressions/s.
//
//   bench_calculator [--samples 1000] [--throughput 2000]
// Redis comes from ORCHESTRA_TEST_REDIS_URL (scripts/bench.sh starts it).

#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include "support/auth.hpp"
#include "support/http_client.hpp"
#include "support/test_server.hpp"

#include <fmt/format.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <iostream>
#include <random>
#include <thread>

using namespace orchestra::testing;
using namespace std::chrono_literals;
using Steady = std::chrono::steady_clock;

namespace {

Environment calculator_env(Environment extra = {}) {
  extra.emplace("ORCHESTRA_PLUGINS__DIR", ORCHESTRA_PLUGIN_DIR);
  extra.emplace("ORCHESTRA_PLUGINS__ENABLED", "[calculator]");
  extra.emplace("ORCHESTRA_LOG__ACCESS", "false");
  return extra;
}

std::string field(const std::string& body, const char* name) {
  rapidjson::Document document;
  document.Parse(body.c_str());
  if (!document.IsObject() || !document.HasMember(name)) {
    throw std::runtime_error("unexpected answer: " + body);
  }
  return document[name].IsString() ? document[name].GetString() : "";
}

std::string log_in(std::uint16_t port) {
  HttpClient client(port);
  auto credentials = R"({"login":"bench","password":"bench-password"})";
  client.post("/api/v1/auth/register", credentials);
  return "Bearer " + field(client.post("/api/v1/auth/login", credentials).body, "access_token");
}

void set_durations(std::uint16_t port, const std::string& body) {
  auto result = HttpClient(port).request("PUT", "/api/v1/calculator/durations", body,
                                         {{"Authorization", bearer({"admin"})}});
  if (result.status != 200) throw std::runtime_error("durations: " + result.body);
  std::this_thread::sleep_for(600ms);  // workers re-read them twice a second
}

// Submits and long-polls on one keep-alive connection; seconds taken.
double evaluate(HttpClient& client, const std::string& token, const std::string& req_uid,
                const std::string& expression) {
  auto started = Steady::now();
  auto created = client.request(
      "POST", "/api/v1/calculator/expressions",
      R"({"req_uid":")" + req_uid + R"(","expression":")" + expression + R"("})",
      {{"Authorization", token}, {"Content-Type", "application/json"}});
  auto id = field(created.body, "id");
  for (;;) {
    auto body = created.status == 201 && field(created.body, "status") == "ok"
                    ? created.body
                    : client.request("GET", "/api/v1/calculator/expressions/" + id + "?wait=30",
                                     {}, {{"Authorization", token}})
                          .body;
    auto status = field(body, "status");
    if (status == "ok") break;
    if (status == "error") throw std::runtime_error("expression failed: " + body);
    created.status = 0;
  }
  return std::chrono::duration<double>(Steady::now() - started).count();
}

double percentile(std::vector<double> values, double p) {
  std::sort(values.begin(), values.end());
  return values[static_cast<std::size_t>(p * static_cast<double>(values.size() - 1))];
}

void overhead(int samples) {
  TempDir dir;
  TestServer server(dir, "all", test_config(), calculator_env());
  auto token = log_in(server.port());
  HttpClient client(server.port(), 60s);
  for (int i = 0; i < 20; ++i) evaluate(client, token, fmt::format("warm-{}", i), "1+1");
  std::vector<double> seconds;
  for (int i = 0; i < samples; ++i) {
    seconds.push_back(evaluate(client, token, fmt::format("o-{}", i), "1+1"));
  }
  std::cout << fmt::format(
      "overhead (1+1, durations 0, SQLite all-in-one, {} expressions): p50 {:.2f} ms, p99 {:.2f} "
      "ms (target p99 <= 20 ms)\n",
      samples, percentile(seconds, 0.5) * 1e3, percentile(seconds, 0.99) * 1e3);
}

// worker.poll_interval for the cluster runs (default: the product default).
std::string poll_interval() {
  const char* value = std::getenv("BENCH_POLL_INTERVAL");
  return value != nullptr ? value : "100ms";
}

struct Cluster {
  TempDir dir, second_dir;
  std::unique_ptr<TestServer> api, first, second;

  explicit Cluster(const std::string& redis) {
    auto env = calculator_env({{"ORCHESTRA_QUEUE__BACKEND", "redis"},
                               {"ORCHESTRA_QUEUE__REDIS_URL", redis},
                               {"ORCHESTRA_QUEUE__REDIS_PREFIX",
                                fmt::format("bench{}:", std::random_device{}())},
                               {"ORCHESTRA_DATABASE__URL",
                                "sqlite:///" + (dir.path() / "var/test.db").string()},
                               {"ORCHESTRA_WORKER__CONCURRENCY", "16"},
                               {"ORCHESTRA_WORKER__POLL_INTERVAL", poll_interval()}});
    api = std::make_unique<TestServer>(dir, "api", test_config(), env);
    first = std::make_unique<TestServer>(dir, "worker", test_config(), env);
    second = std::make_unique<TestServer>(second_dir, "worker", test_config(), env);
  }
};

void parallel_efficiency(const std::string& redis) {
  Cluster cluster(redis);
  auto port = cluster.api->port();
  auto token = log_in(port);
  set_durations(port, R"({"+":200})");
  std::string sum = "1";
  for (int i = 2; i <= 64; ++i) sum += "+" + std::to_string(i);
  HttpClient client(port, 60s);
  std::vector<double> runs;
  for (int i = 0; i < 5; ++i) runs.push_back(evaluate(client, token, fmt::format("p-{}", i), sum));
  auto best = *std::min_element(runs.begin(), runs.end());
  auto median = percentile(runs, 0.5);
  std::cout << fmt::format(
      "parallel efficiency (64-operand sum, + = 200 ms, 2 workers x 16 slots, redis): median "
      "{:.0f} ms, best {:.0f} ms over 5 runs; bound 1200 ms; median/bound {:.3f} (target <= "
      "1.10)\n",
      median * 1e3, best * 1e3, median / 1.2);
}

void throughput(const std::string& redis, int expressions) {
  Cluster cluster(redis);
  auto port = cluster.api->port();
  auto token = log_in(port);
  constexpr int kClients = 16;
  std::atomic<int> next{0};
  auto started = Steady::now();
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&] {
      HttpClient client(port, 60s);
      for (int i = next++; i < expressions; i = next++) {
        evaluate(client, token, fmt::format("t-{}", i), "1+2*3-4/5+6*7-8/9+10*11-12");
      }
    });
  }
  for (auto& thread : clients) thread.join();
  auto seconds = std::chrono::duration<double>(Steady::now() - started).count();
  std::cout << fmt::format(
      "throughput (10 operations per expression, durations 0, redis, api + 2 workers x 16, {} "
      "clients): {} expressions in {:.2f} s = {:.0f} expressions/s ({:.0f} operations/s)\n",
      kClients, expressions, seconds, expressions / seconds, expressions * 10 / seconds);
}

}  // namespace

int main(int argc, char** argv) {
  int samples = 1000, expressions = 2000;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--samples") samples = std::stoi(argv[i + 1]);
    if (flag == "--throughput") expressions = std::stoi(argv[i + 1]);
  }
  try {
    overhead(samples);
    const char* redis = std::getenv("ORCHESTRA_TEST_REDIS_URL");
    if (redis == nullptr) {
      std::cout << "redis figures skipped: ORCHESTRA_TEST_REDIS_URL is not set\n";
      return 0;
    }
    parallel_efficiency(redis);
    throughput(redis, expressions);
  } catch (const std::exception& error) {
    std::cerr << "bench_calculator: " << error.what() << '\n';
    return 1;
  }
  return 0;
}
