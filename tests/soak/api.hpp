#pragma once
// The api processes as a client behind a round-robin balancer sees them:
// each request goes to the next process, and every attempt is recorded
// (when it started, how long it took, whether it was answered well) for
// the error rate and latency figures.

#include "support/http_client.hpp"

#include <rapidjson/document.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

namespace soak {

using Steady = std::chrono::steady_clock;

struct Sample {
  Steady::time_point started;
  std::chrono::microseconds latency;
  bool ok = false;  // answered with 2xx or 3xx
};

class Api {
 public:
  explicit Api(const std::vector<std::uint16_t>& ports);

  void set_port(std::size_t index, std::uint16_t port) { ports_.at(index) = port; }
  std::uint16_t port(std::size_t index) const { return ports_.at(index); }

  // One attempt on the next api process; status 0 when nothing answered.
  orchestra::testing::HttpResult send(const std::string& method, const std::string& target,
                                      const std::string& token, const std::string& body = {});
  // Attempts on one process after another until an answer that is neither
  // a failure to answer nor a 5xx (a dependency down), or `patience` ends;
  // the caller must make the request safe to repeat.
  orchestra::testing::HttpResult send_until_answered(
      const std::string& method, const std::string& target, const std::string& token,
      const std::string& body = {}, std::chrono::seconds patience = std::chrono::seconds(60));

  std::vector<Sample> samples() const;

 private:
  std::vector<std::atomic<std::uint16_t>> ports_;
  std::atomic<std::size_t> next_{0};
  mutable std::mutex mutex_;
  std::vector<Sample> samples_;
};

// The body as JSON; an empty object when it is not a JSON object.
rapidjson::Document parse_json(const std::string& text);
// The string member `name` of `object`; "" when it is missing or not a string.
std::string text_of(const rapidjson::Value& object, const char* name);

}  // namespace soak
