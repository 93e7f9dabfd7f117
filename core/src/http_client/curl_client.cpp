#include "http_client/curl_client.hpp"
#include "http_client/curl_support.hpp"
#include "http_client/public_address.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <optional>

namespace orchestra::http_client {
namespace {

using http::ClientError;
using Kind = http::ClientError::Kind;

// The URL without its query, for messages: queries carry API keys.
std::string shown(const std::string& url) { return url.substr(0, url.find('?')); }

struct Authority {
  std::string host;  // lower case
  std::string port;  // explicit or the scheme's default
};

// Throws ClientError(invalid_url) for anything but an absolute http(s) URL.
Authority authority_of(const std::string& url) {
  std::unique_ptr<CURLU, void (*)(CURLU*)> handle(curl_url(), curl_url_cleanup);
  if (!handle || curl_url_set(handle.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) {
    throw ClientError(Kind::invalid_url, fmt::format("'{}' is not a valid URL", shown(url)));
  }
  auto part = [&](CURLUPart which, unsigned flags) {
    char* text = nullptr;
    if (curl_url_get(handle.get(), which, &text, flags) != CURLUE_OK) return std::string();
    std::string out(text);
    curl_free(text);
    return out;
  };
  auto scheme = lower_ascii(part(CURLUPART_SCHEME, 0));
  if (scheme != "http" && scheme != "https") {
    throw ClientError(Kind::invalid_url,
                      fmt::format("'{}': only http:// and https:// URLs are allowed", shown(url)));
  }
  return {lower_ascii(part(CURLUPART_HOST, 0)), part(CURLUPART_PORT, CURLU_DEFAULT_PORT)};
}

const char* method_verb(http::Method method) {
  switch (method) {
    case http::Method::get: return "GET";
    case http::Method::head: return "HEAD";
    case http::Method::post: return "POST";
    case http::Method::put: return "PUT";
    case http::Method::patch: return "PATCH";
    case http::Method::delete_: return "DELETE";
    case http::Method::options: return "OPTIONS";
  }
  return "GET";
}

// Collects one exchange's response; refuses bodies over the limit.
struct Collector {
  http::ClientResponse response;
  std::int64_t limit = 0;
  bool too_large = false;

  static std::size_t body(char* data, std::size_t size, std::size_t count, void* self) {
    auto* collector = static_cast<Collector*>(self);
    auto bytes = size * count;
    if (static_cast<std::int64_t>(collector->response.body.size() + bytes) > collector->limit) {
      collector->too_large = true;
      return 0;  // aborts the transfer
    }
    collector->response.body.append(data, bytes);
    return bytes;
  }
  // Refuses, when asked to, a socket to an address that is not public:
  // checked here, on the address curl resolved, so a name that resolves
  // differently at connect time than when it was checked gains nothing.
  std::optional<std::string> refused;
  static curl_socket_t open_socket(void* self, curlsocktype, curl_sockaddr* address) {
    auto* collector = static_cast<Collector*>(self);
    if (!is_public_address(&address->addr)) {
      collector->refused = address_text(&address->addr);
      return CURL_SOCKET_BAD;
    }
    return ::socket(address->family, address->socktype, address->protocol);
  }
  static std::size_t header(char* data, std::size_t size, std::size_t count, void* self) {
    auto* collector = static_cast<Collector*>(self);
    std::string_view line(data, size * count);
    if (line.rfind("HTTP/", 0) == 0) collector->response.headers.clear();  // a new response
    if (auto header = parse_header_line(line)) {
      collector->response.headers.push_back(std::move(*header));
    }
    return size * count;
  }
};

}  // namespace

std::optional<milliseconds> parse_retry_after(const std::string& value,
                                              std::chrono::system_clock::time_point now) {
  auto text = trim_header_value(value);
  if (text.empty()) return std::nullopt;
  if (std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c); })) {
    if (text.size() > 9) return std::nullopt;
    return milliseconds(std::stoll(text) * 1000);
  }
  auto when = curl_getdate(text.c_str(), nullptr);
  if (when < 0) return std::nullopt;
  auto delay = std::chrono::system_clock::from_time_t(when) - now;
  return std::max(milliseconds(0), std::chrono::duration_cast<milliseconds>(delay));
}

CurlClient::CurlClient(ClientConfig config, limits::RateLimiter* limiter)
    : config_(std::move(config)), limiter_(limiter) {
  ensure_curl_initialised();
  for (auto& limit : config_.rate_limits) limit.host = lower_ascii(limit.host);
}

CurlClient::~CurlClient() {
  for (auto* handle : idle_) curl_easy_cleanup(handle);
}

CURL* CurlClient::borrow() {
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      auto* handle = idle_.back();
      idle_.pop_back();
      return handle;
    }
  }
  auto* handle = curl_easy_init();
  if (handle == nullptr) throw ClientError(Kind::transport, "cannot initialise libcurl");
  return handle;
}

void CurlClient::give_back(CURL* handle) {
  curl_easy_reset(handle);  // keeps the connection cache
  std::lock_guard lock(mutex_);
  idle_.push_back(handle);
}

const HostRateLimit* CurlClient::limit_for(const std::string& url) const {
  auto authority = authority_of(url);
  auto with_port = authority.host + ":" + authority.port;
  const HostRateLimit* by_host = nullptr;
  for (const auto& limit : config_.rate_limits) {
    if (limit.host == with_port) return &limit;
    if (limit.host == authority.host) by_host = &limit;
  }
  return by_host;
}

std::optional<http::HostBudget> CurlClient::budget(const std::string& url) {
  const auto* limit = limit_for(url);
  if (limit == nullptr || limiter_ == nullptr) return std::nullopt;
  auto left = limiter_->available("http:" + limit->host, limit->budget);
  return http::HostBudget{limit->host, left, static_cast<double>(limit->requests), limit->per};
}

http::ClientResponse CurlClient::send(const http::ClientRequest& request) {
  const auto* limit = limit_for(request.url);
  auto key = limit != nullptr ? "http:" + limit->host : std::string();
  if (limit != nullptr && limiter_ != nullptr && !request.wait_for_rate_limit) {
    if (auto wait = limiter_->try_acquire(key, limit->budget)) {
      throw ClientError(Kind::rate_limited,
                        fmt::format("no token of the rate limit of {} for {} ms", limit->host,
                                    wait->count()),
                        std::max(*wait, std::chrono::milliseconds(1)));
    }
  } else if (limit != nullptr && limiter_ != nullptr &&
             !limiter_->acquire(key, limit->budget, request.stop)) {
    throw ClientError(Kind::stopped,
                      fmt::format("stopped while waiting for the rate limit of {}", limit->host));
  }
  std::unique_ptr<CURL, std::function<void(CURL*)>> handle(
      borrow(), [this](CURL* used) { give_back(used); });
  auto response = perform(handle.get(), request);
  if (limit != nullptr && limiter_ != nullptr &&
      std::find(limit->throttle_statuses.begin(), limit->throttle_statuses.end(),
                response.status) != limit->throttle_statuses.end()) {
    response.throttled = true;
    auto retry_after = response.header("retry-after");
    auto pause = retry_after ? parse_retry_after(*retry_after, std::chrono::system_clock::now())
                             : std::nullopt;
    // A server may ask for years; no answer pauses a host longer than max_penalty.
    limiter_->penalize(key, std::min(pause.value_or(limit->penalty), limit->max_penalty));
  }
  return response;
}

http::ClientResponse CurlClient::perform(CURL* curl, const http::ClientRequest& request) {
  Collector collector;
  collector.limit = config_.max_response_bytes;
  auto timeout = request.timeout.count() > 0 ? request.timeout : config_.timeout;
  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(config_.connect_timeout.count()));
  curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");  // whatever curl can decode
  curl_easy_setopt(curl, CURLOPT_USERAGENT, config_.user_agent.c_str());
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method_verb(request.method));
  if (request.method == http::Method::head) curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  if (!request.body.empty()) {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body.size()));
  }
  curl_slist* headers = nullptr;
  for (const auto& [name, value] : request.headers) {
    headers = curl_slist_append(headers, (name + ": " + value).c_str());
  }
  std::unique_ptr<curl_slist, void (*)(curl_slist*)> header_list(headers, curl_slist_free_all);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &Collector::body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &collector);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &Collector::header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &collector);
  if (request.public_addresses_only) {
    // A cached connection was opened without the check.
    curl_easy_setopt(curl, CURLOPT_OPENSOCKETFUNCTION, &Collector::open_socket);
    curl_easy_setopt(curl, CURLOPT_OPENSOCKETDATA, &collector);
    curl_easy_setopt(curl, CURLOPT_FRESH_CONNECT, 1L);
    curl_easy_setopt(curl, CURLOPT_FORBID_REUSE, 1L);
    // Through a proxy the check would judge the proxy's address.
    curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
  }
  char error[CURL_ERROR_SIZE] = {};
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
  auto code = curl_easy_perform(curl);
  // A refused address fails the transfer only if no other address of the
  // host could be used.
  if (collector.refused && code != CURLE_OK) {
    throw ClientError(Kind::refused_address,
                      fmt::format("{}: refused to connect to {}, which is not a public address",
                                  shown(request.url), *collector.refused));
  }
  if (collector.too_large) {
    throw ClientError(Kind::too_large,
                      fmt::format("{}: the response is larger than {} bytes", shown(request.url),
                                  config_.max_response_bytes));
  }
  if (code != CURLE_OK) {
    // curl's message may quote the URL too.
    std::string reason = error[0] != '\0' ? error : curl_easy_strerror(code);
    if (auto at = reason.find(request.url); at != std::string::npos) {
      reason.replace(at, request.url.size(), shown(request.url));
    }
    throw ClientError(Kind::transport, fmt::format("{}: {}", shown(request.url), reason));
  }
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  collector.response.status = static_cast<int>(status);
  return std::move(collector.response);
}

}  // namespace orchestra::http_client
