#pragma once
// The http_client configuration section, typed.

#include <orchestra/limits.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace orchestra::http_client {

using std::chrono::milliseconds;

// One entry of http_client.rate_limits. `host` is a host name, or
// host:port to tell apart services on one host.
struct HostRateLimit {
  std::string host;
  limits::Budget budget;
  milliseconds penalty{60'000};  // pause after a throttling answer without Retry-After
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
