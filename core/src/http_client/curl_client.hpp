#pragma once
// http::Client over libcurl: a pool of easy handles (each keeps its
// connections alive), per-host rate limits through the shared RateLimiter.

#include "http_client/client_config.hpp"

#include <orchestra/http_client.hpp>
#include <orchestra/limits.hpp>

#include <curl/curl.h>

#include <chrono>
#include <mutex>
#include <string>
#include <vector>

namespace orchestra::http_client {

using std::chrono::milliseconds;

class CurlClient final : public http::Client {
 public:
  // `limiter` may be null when no rate limit is configured.
  CurlClient(ClientConfig config, limits::RateLimiter* limiter);
  ~CurlClient() override;
  CurlClient(const CurlClient&) = delete;
  CurlClient& operator=(const CurlClient&) = delete;

  http::ClientResponse send(const http::ClientRequest& request) override;
  std::optional<http::HostBudget> budget(const std::string& url) override;

 private:
  const HostRateLimit* limit_for(const std::string& url) const;
  CURL* borrow();
  void give_back(CURL* handle);
  http::ClientResponse perform(CURL* handle, const http::ClientRequest& request);

  ClientConfig config_;
  limits::RateLimiter* limiter_;
  std::mutex mutex_;
  std::vector<CURL*> idle_;
};

// Seconds ("120") or an HTTP date; nullopt when absent or unreadable.
std::optional<milliseconds> parse_retry_after(const std::string& value,
                                              std::chrono::system_clock::time_point now);

}  // namespace orchestra::http_client
