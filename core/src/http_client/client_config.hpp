#pragma once
// The http_client configuration section, typed.

#include <orchestra/limits.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace orchestra::http_client {

using std::chrono::milliseconds;

// A token bucket that never lets more than `requests` through in any
// window of `per` (a plain bucket of `requests` tokens refilled over `per`
// would allow twice that: a full bucket plus a window's refill). Bursts
// are 2 % of the budget (at least 1), the refill covers the rest over
// `per` plus a margin of 2 % (at most 1 s) for requests that travel at
// different speeds. `requests` must be at least 2.
limits::Budget window_budget(std::int64_t requests, milliseconds per);

// One entry of http_client.rate_limits. `host` is a host name, or
// host:port to tell apart services on one host.
struct HostRateLimit {
  std::string host;
  std::int64_t requests = 0;  // at most this many in any window of `per`
  milliseconds per{0};
  limits::Budget budget;      // window_budget(requests, per)
  milliseconds penalty{60'000};  // pause after a throttling answer without Retry-After
  milliseconds max_penalty{3'600'000};  // the longest pause any Retry-After can ask for
  std::vector<int> throttle_statuses{429};
};

struct ClientConfig {
  milliseconds timeout{30'000};
  milliseconds connect_timeout{5'000};
  std::int64_t max_response_bytes = 64 << 20;
  std::string user_agent;
  std::vector<HostRateLimit> rate_limits;
};

}  // namespace orchestra::http_client
