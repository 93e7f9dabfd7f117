// http_client::CurlClient against the fake Steam on loopback: any status is
// a response, every failure a ClientError of the right kind, and a host's
// rate limit holds across clients on separate limiter instances (as across
// processes) on every backend's store, throttling answers pause the host
// for all of them, and `stop` gives up a wait for a token.

#include "http_client/client_config.hpp"
#include "http_client/curl_client.hpp"
#include "limits/make_rate_limiter.hpp"
#include "support/fake_steam.hpp"
#include "support/task_harness.hpp"

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

using namespace orchestra::testing;
using namespace std::chrono_literals;
using orchestra::http::ClientError;
using orchestra::http::ClientRequest;
using orchestra::http::ClientResponse;
using orchestra::http_client::ClientConfig;
using orchestra::http_client::CurlClient;
using orchestra::http_client::HostRateLimit;
using orchestra::http_client::window_budget;
using orchestra::limits::make_rate_limiter;
using Kind = orchestra::http::ClientError::Kind;
using Clock = std::chrono::steady_clock;

namespace {

// One app's full details: a 200 JSON answer (about 600 bytes).
std::string details_url(const FakeSteam& steam, std::int64_t app_id = 10) {
  return steam.url() + "/api/appdetails?appids=" + std::to_string(app_id) + "&cc=US&l=english";
}

// Prices of apps 10 to 200 at once: a 200 JSON answer of a few kilobytes.
std::string prices_url(const FakeSteam& steam) {
  std::string ids;
  for (int id = 10; id <= 200; id += 10) {
    if (!ids.empty()) ids += ',';
    ids += std::to_string(id);
  }
  return steam.url() + "/api/appdetails?appids=" + ids + "&filters=price_overview&cc=US";
}

std::string host_of(const FakeSteam& steam) {
  return "127.0.0.1:" + std::to_string(steam.port());
}

const char* kind_name(Kind kind) {
  switch (kind) {
    case Kind::invalid_url: return "invalid_url";
    case Kind::transport: return "transport";
    case Kind::too_large: return "too_large";
    case Kind::stopped: return "stopped";
    case Kind::rate_limited: return "rate_limited";
    case Kind::refused_address: return "refused_address";
  }
  return "unknown kind";
}

// What `call` threw: the ClientError's kind by name, or what else happened.
template <typename Call>
std::string outcome_of(Call&& call) {
  try {
    call();
  } catch (const ClientError& error) {
    return kind_name(error.kind());
  } catch (const std::exception& error) {
    return std::string("another exception: ") + error.what();
  }
  return "no error";
}

std::int64_t ms_since(Clock::time_point start) {
  return static_cast<std::int64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count());
}

bool is_lower_case(const std::string& text) {
  return std::none_of(text.begin(), text.end(),
                      [](unsigned char c) { return std::isupper(c) != 0; });
}

// A loopback port nobody listens on: bound, read, released.
std::uint16_t unused_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  bool bound = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
               ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
  ::close(fd);
  REQUIRE(bound);
  return ntohs(address.sin_port);
}

// 10 requests per second to the fake Steam, a 300 ms penalty.
HostRateLimit steam_limit(const FakeSteam& steam) {
  HostRateLimit limit;
  limit.host = host_of(steam);
  limit.requests = 10;
  limit.per = 1000ms;
  limit.budget = window_budget(10, 1000ms);
  limit.penalty = 300ms;
  limit.throttle_statuses = {429};
  return limit;
}

ClientConfig limited_config(const FakeSteam& steam) {
  ClientConfig config;
  config.timeout = 10'000ms;
  config.rate_limits.push_back(steam_limit(steam));
  return config;
}

// Two "processes" on one backend's store: a limiter and a rate-limited
// client each, both sending to one fake Steam.
struct TwoProcesses {
  explicit TwoProcesses(Backend backend) : harness(backend) { harness.open(); }
  TaskHarness harness;
  FakeSteam steam{30};
  std::unique_ptr<orchestra::limits::RateLimiter> first_limiter =
      make_rate_limiter(harness.queue_config(), harness.database());
  std::unique_ptr<orchestra::limits::RateLimiter> second_limiter =
      make_rate_limiter(harness.queue_config(), harness.database());
  CurlClient first{limited_config(steam), first_limiter.get()};
  CurlClient second{limited_config(steam), second_limiter.get()};
};

}  // namespace

TEST_CASE("CurlClient returns the status, the body and lower-case headers") {
  FakeSteam steam(30);
  CurlClient client(ClientConfig{}, nullptr);

  auto response = client.get(details_url(steam));
  CHECK(response.status == 200);
  CHECK(response.body.find("\"App 10\"") != std::string::npos);
  REQUIRE(response.header("content-length").has_value());
  CHECK(*response.header("content-length") == std::to_string(response.body.size()));
  CHECK(response.header("content-type").value_or("").find("application/json") == 0u);
  CHECK_FALSE(response.header("Content-Type").has_value());  // names are lower case
  for (const auto& header : response.headers) {
    CAPTURE(header.first);
    CHECK(is_lower_case(header.first));
  }
  CHECK_FALSE(response.throttled);

  SUBCASE("a 404 is a response, not an error") {
    ClientResponse missing;
    CHECK(outcome_of([&] { missing = client.get(steam.url() + "/nope"); }) == "no error");
    CHECK(missing.status == 404);
    CHECK_FALSE(missing.body.empty());
    CHECK_FALSE(missing.throttled);
  }
  SUBCASE("a 429 without a rate limit for the host is not throttling") {
    steam.throttle_next(1, 1);
    auto throttled = client.get(details_url(steam));
    CHECK(throttled.status == 429);
    CHECK(throttled.header("retry-after").value_or("") == "1");
    CHECK_FALSE(throttled.throttled);
    CHECK(client.get(details_url(steam)).status == 200);
  }
}

TEST_CASE("CurlClient refuses URLs that are not absolute http(s) URLs") {
  CurlClient client(ClientConfig{}, nullptr);
  for (const char* url : {"ftp://127.0.0.1/x", "not a url", "file:///etc/passwd"}) {
    CAPTURE(url);
    CHECK(outcome_of([&] { client.get(url); }) == "invalid_url");
  }
}

TEST_CASE("CurlClient reports a refused connection as a transport error") {
  auto port = unused_port();
  CurlClient client(ClientConfig{}, nullptr);
  CHECK(outcome_of([&] { client.get("http://127.0.0.1:" + std::to_string(port) + "/x"); }) ==
        "transport");
}

TEST_CASE("CurlClient gives up on a response slower than the request's timeout") {
  FakeSteam steam(30);
  CurlClient client(ClientConfig{}, nullptr);
  steam.delay_next(2s);
  ClientRequest request;
  request.url = details_url(steam);
  request.timeout = 300ms;
  auto started = Clock::now();
  CHECK(outcome_of([&] { client.send(request); }) == "transport");
  // A bound on a hang, not a speed target.
  CHECK(ms_since(started) < 1500);
  // The client is still usable afterwards.
  CHECK(client.get(details_url(steam)).status == 200);
}

TEST_CASE("CurlClient refuses a response larger than max_response_bytes") {
  FakeSteam steam(30);
  auto url = prices_url(steam);
  CurlClient unlimited(ClientConfig{}, nullptr);
  auto full = unlimited.get(url);
  REQUIRE(full.status == 200);
  REQUIRE(full.body.size() > std::size_t{2048});  // well over the limit below

  ClientConfig config;
  config.max_response_bytes = 1024;
  CurlClient limited(config, nullptr);
  CHECK(outcome_of([&] { limited.get(url); }) == "too_large");
  // A small body still passes.
  CHECK(limited.get(steam.url() + "/nope").status == 404);
}

TEST_CASE("CurlClient: two clients on two limiter instances keep a host within its window") {
  FOR_EACH_BACKEND {
    TwoProcesses processes(backend);
    auto& [harness, steam, first_limiter, second_limiter, first, second] = processes;

    std::mutex errors_mutex;
    std::vector<std::string> errors;
    auto record = [&](std::string error) {
      std::lock_guard lock(errors_mutex);
      errors.push_back(std::move(error));
    };
    std::atomic<int> answered{0};
    auto started = Clock::now();
    std::vector<std::thread> threads;
    for (int t = 0; t < 6; ++t) {
      threads.emplace_back([&, t] {
        auto& client = t % 2 == 0 ? first : second;
        ClientRequest request;
        request.url = details_url(steam, 10 * (t + 1));
        request.stop = [started] { return Clock::now() - started >= 2500ms; };
        while (Clock::now() - started < 2500ms) {
          try {
            auto response = client.send(request);
            if (response.status == 200) {
              ++answered;
            } else {
              record("status " + std::to_string(response.status));
            }
          } catch (const ClientError& error) {
            if (error.kind() != Kind::stopped) record(error.what());
          } catch (const std::exception& error) {
            record(error.what());
          }
        }
      });
    }
    for (auto& thread : threads) thread.join();

    std::string first_error = errors.empty() ? std::string() : errors.front();
    CHECK(first_error == "");
    CHECK(steam.max_store_requests_in(1000ms) <= 10);
    CHECK(steam.store_requests() >= 15);  // still making progress
    CHECK(answered.load() == steam.store_requests());
  }
}

TEST_CASE("CurlClient: a throttling answer pauses the host for every client until Retry-After") {
  FOR_EACH_BACKEND {
    TwoProcesses processes(backend);
    auto& [harness, steam, first_limiter, second_limiter, first, second] = processes;

    // A client whose only rate limit is for another host: its 429 is just a status.
    ClientConfig elsewhere;
    elsewhere.rate_limits.push_back(steam_limit(steam));
    elsewhere.rate_limits.back().host = "other.example";
    CurlClient unrelated(elsewhere, first_limiter.get());
    steam.throttle_next(1, 1);
    auto plain = unrelated.get(details_url(steam));
    CHECK(plain.status == 429);
    CHECK_FALSE(plain.throttled);

    steam.throttle_next(1, 1);
    auto throttled = first.get(details_url(steam));
    auto answered = Clock::now();
    CHECK(throttled.status == 429);
    CHECK(throttled.throttled);
    CHECK(throttled.header("retry-after").value_or("") == "1");

    // The other "process" waits for the Retry-After second too.
    auto next = second.get(details_url(steam));
    auto waited = ms_since(answered);
    CHECK(next.status == 200);
    CHECK_FALSE(next.throttled);
    CHECK(waited >= 900);
  }
}

TEST_CASE("CurlClient: no Retry-After pauses a host longer than max_penalty") {
  TaskHarness harness(Backend::sqlite);
  harness.open();
  FakeSteam steam(30);
  auto limiter = make_rate_limiter(harness.queue_config(), harness.database());
  auto config = limited_config(steam);
  config.rate_limits.back().max_penalty = 500ms;
  CurlClient client(config, limiter.get());
  steam.throttle_next(1, 999'999'999);  // about 31 years
  CHECK(client.get(details_url(steam)).throttled);
  auto asked = Clock::now();
  CHECK(client.get(details_url(steam)).status == 200);
  auto waited = ms_since(asked);
  CHECK(waited >= 400);
  CHECK(waited < 2000);
}

TEST_CASE("CurlClient: error messages leave out the query, which may hold API keys") {
  CurlClient client({}, nullptr);
  std::string message;
  try {
    client.get("http://127.0.0.1:" + std::to_string(unused_port()) + "/list?key=SECRET123");
  } catch (const ClientError& error) {
    message = error.what();
  }
  CHECK_FALSE(message.empty());
  CHECK(message.find("SECRET123") == std::string::npos);
  CHECK(message.find("/list") != std::string::npos);
}

TEST_CASE("CurlClient: stop gives up the wait for a rate-limit token") {
  FOR_EACH_BACKEND {
    TaskHarness harness(backend);
    harness.open();
    FakeSteam steam(30);
    auto limiter = make_rate_limiter(harness.queue_config(), harness.database());
    CurlClient client(limited_config(steam), limiter.get());
    limiter->penalize("http:" + host_of(steam), 10s);

    ClientRequest request;
    request.url = details_url(steam);
    auto started = Clock::now();
    request.stop = [started] { return Clock::now() - started >= 200ms; };
    CHECK(outcome_of([&] { client.send(request); }) == "stopped");
    auto elapsed = ms_since(started);
    CHECK(elapsed >= 200);
    CHECK(elapsed < 1000);
    CHECK(steam.store_requests() == 0);  // nothing was sent
  }
}

TEST_CASE("CurlClient: budget reports the rate limit of configured hosts only") {
  FOR_EACH_BACKEND {
    TaskHarness harness(backend);
    harness.open();
    FakeSteam steam(30);
    auto limiter = make_rate_limiter(harness.queue_config(), harness.database());
    CurlClient client(limited_config(steam), limiter.get());

    CHECK_FALSE(client.budget("http://example.invalid/x").has_value());
    CHECK_FALSE(client.budget("http://127.0.0.1:1/x").has_value());  // same host, other port

    auto budget = client.budget(details_url(steam));
    REQUIRE(budget.has_value());
    CHECK(budget->host == host_of(steam));
    CHECK(budget->requests == doctest::Approx(10));
    CHECK(budget->per.count() == 1000);
    CHECK(budget->burst_available == doctest::Approx(window_budget(10, 1000ms).capacity));
  }
}
