#pragma once
// Outgoing HTTP for plugins (libcurl underneath): one request at a time
// per call, connections reused across calls, every call bounded by a
// timeout and a response size limit.
//
// Hosts listed in `http_client.rate_limits` share one token bucket per host
// across every process of the deployment (host.limits()): a call waits for
// a token before it is sent, and a throttling answer (429, or the statuses
// configured for that host) pauses the host for every process, for the
// response's Retry-After or the configured penalty. Throttling answers are
// still returned to the caller, who decides whether to try again.

#include <orchestra/http.hpp>

#include <boost/config.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace orchestra::http {

struct ClientRequest {
  std::string url;  // http:// or https:// only
  Method method = Method::get;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::chrono::milliseconds timeout{0};  // 0: http_client.timeout
  // Polled while waiting for a rate-limit token: true gives up the wait
  // (ClientError::Kind::stopped), e.g. TaskContext::cancelled.
  std::function<bool()> stop;
  // False: no waiting for a rate-limit token; without one the call throws
  // ClientError::Kind::rate_limited saying when to try again, so a task
  // can wait for it as a Step instead of in its thread.
  bool wait_for_rate_limit = true;
  // True: connect only to public addresses (not loopback, private,
  // link-local, shared or unspecified ones), checked on the address
  // actually connected to, on a fresh connection; a refused address throws
  // ClientError::Kind::refused_address. For URLs given by users.
  bool public_addresses_only = false;
};

struct ClientResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // lower-case names
  std::string body;
  std::optional<std::string> header(std::string_view lower_name) const;
  // The wait the Retry-After header asks for (delay-seconds or an HTTP
  // date); nullopt when it is absent or unreadable. Uncapped.
  std::optional<std::chrono::milliseconds> retry_after() const;
  // Whether the rate limit of the host treated this answer as throttling.
  bool throttled = false;
};

class BOOST_SYMBOL_VISIBLE ClientError : public std::runtime_error {
 public:
  // invalid_url: the request can never work; transport: connection
  // refused, reset or timed out (worth retrying); too_large: the response
  // exceeded http_client.max_response_bytes; stopped: `stop` returned true
  // while the call waited for a rate-limit token; rate_limited: no token
  // now for a request that would not wait (one is due after retry_in());
  // refused_address: the host resolved to an address the request did not
  // allow (ClientRequest::public_addresses_only).
  enum class Kind { invalid_url, transport, too_large, stopped, rate_limited, refused_address };
  ClientError(Kind kind, const std::string& message,
              std::chrono::milliseconds retry_in = std::chrono::milliseconds(0))
      : std::runtime_error(message), kind_(kind), retry_in_(retry_in) {}
  Kind kind() const { return kind_; }
  std::chrono::milliseconds retry_in() const { return retry_in_; }

 private:
  Kind kind_;
  std::chrono::milliseconds retry_in_;
};

// A host's rate limit (at most `requests` in any window of `per`) and the
// burst available right now: calls beyond it wait for the refill.
struct HostBudget {
  std::string host;
  double burst_available = 0;
  double requests = 0;
  std::chrono::milliseconds per{0};
};

// Resolves the host of an http(s) URL; throws ClientError (invalid_url when
// the URL or its host is unusable, refused_address naming the address when
// any address it resolves to is not public).
void require_public_target(const std::string& url);

class BOOST_SYMBOL_VISIBLE Client {
 public:
  virtual ~Client() = default;
  // Throws ClientError; any HTTP status is a response, not an error.
  virtual ClientResponse send(const ClientRequest& request) = 0;
  // The budget of the rate limit that applies to `url`, if any.
  virtual std::optional<HostBudget> budget(const std::string& url) = 0;

  ClientResponse get(std::string url, std::function<bool()> stop = {});
};

}  // namespace orchestra::http
