#include "steam_api.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <random>
#include <thread>
#include <utility>

namespace steam_sync {
namespace {

using orchestra::http::ClientError;

// A failure worth another attempt of the same request.
class Transient : public std::runtime_error {
 public:
  Transient(const std::string& message, milliseconds at_least, bool malformed = false)
      : std::runtime_error(message), at_least_(at_least), malformed_(malformed) {}
  milliseconds at_least() const { return at_least_; }
  bool malformed() const { return malformed_; }

 private:
  milliseconds at_least_;
  bool malformed_;
};

std::string url_encode(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

std::string trim_slash(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

std::string join_ids(const std::vector<std::int64_t>& ids) {
  return fmt::format("{}", fmt::join(ids, ","));
}

// Retry-After (seconds or an HTTP date), at most `cap` (a server may ask
// for years).
milliseconds retry_after(const orchestra::http::ClientResponse& response, milliseconds cap) {
  return std::min(cap, response.retry_after().value_or(milliseconds(0)));
}

milliseconds backoff(const RetryPolicy& retry, int attempt) {
  thread_local std::mt19937 random{std::random_device{}()};
  double delay = static_cast<double>(retry.first_backoff.count()) * std::pow(2.0, attempt - 1);
  delay = std::min(delay, static_cast<double>(retry.max_backoff.count()));
  std::uniform_real_distribution<double> jitter(0.8, 1.2);
  return milliseconds(static_cast<std::int64_t>(delay * jitter(random)));
}

}  // namespace

SteamApi::SteamApi(orchestra::http::Client& client, SteamEndpoints endpoints, RetryPolicy retry,
                   std::function<bool()> stop, std::shared_ptr<spdlog::logger> log)
    : client_(client),
      endpoints_(std::move(endpoints)),
      retry_(retry),
      stop_(std::move(stop)),
      log_(std::move(log)) {
  endpoints_.api_url = trim_slash(endpoints_.api_url);
  endpoints_.store_url = trim_slash(endpoints_.store_url);
}

void SteamApi::pause(milliseconds delay) {
  auto until = std::chrono::steady_clock::now() + delay;
  while (std::chrono::steady_clock::now() < until) {
    if (stop_ && stop_()) throw SteamStopped("stopped while waiting to retry a Steam request");
    std::this_thread::sleep_for(std::min(milliseconds(100), delay));
  }
}

void SteamApi::hand_back_waits(int attempt) {
  hand_back_ = true;
  next_attempt_ = std::max(1, attempt);
}

int SteamApi::first_attempt() {
  return std::exchange(next_attempt_, 1);
}

std::string SteamApi::get_ok(const std::string& url, const std::string& what, int attempt) {
  orchestra::http::ClientResponse response;
  try {
    orchestra::http::ClientRequest request;
    request.url = url;
    request.stop = stop_;
    request.wait_for_rate_limit = !hand_back_;
    response = client_.send(request);
  } catch (const ClientError& error) {
    if (error.kind() == ClientError::Kind::stopped) throw SteamStopped(error.what());
    if (error.kind() == ClientError::Kind::rate_limited) {
      // Up to a quarter more than the wait: tasks waiting for one host's
      // tokens ask again one after another rather than all at the moment
      // the token is due, and the first of them still comes soon after.
      thread_local std::mt19937 random{std::random_device{}()};
      std::uniform_int_distribution<std::int64_t> spread(0, error.retry_in().count() / 4);
      throw SteamWait(fmt::format("{}: {}", what, error.what()),
                      error.retry_in() + milliseconds(spread(random)), attempt);
    }
    if (error.kind() == ClientError::Kind::invalid_url ||
        error.kind() == ClientError::Kind::too_large) {
      throw SteamError(fmt::format("{}: {}", what, error.what()), false);
    }
    throw Transient(fmt::format("{}: {}", what, error.what()), backoff(retry_, attempt));
  }
  if (response.status == 200) return std::move(response.body);
  auto problem = fmt::format("{}: HTTP {}", what, response.status);
  // The shared limiter already holds every process back after a throttle.
  if (response.throttled) throw Transient(problem + " (throttled)", milliseconds(0));
  if (response.status == 429) {
    throw Transient(problem, std::max(backoff(retry_, attempt),
                                      retry_after(response, retry_.max_backoff)));
  }
  if (response.status >= 500) throw Transient(problem, backoff(retry_, attempt));
  throw SteamError(problem, false);
}

template <typename Parse>
auto SteamApi::fetch(const std::string& url, const std::string& what, Parse parse) {
  for (int attempt = first_attempt();; ++attempt) {
    try {
      try {
        return parse(get_ok(url, what, attempt));
      } catch (const SteamFormatError& error) {
        throw Transient(error.what(), backoff(retry_, attempt), true);
      }
    } catch (const Transient& failure) {
      if (attempt >= retry_.attempts) {
        // Malformed every time is the answer itself, not the connection.
        throw SteamError(fmt::format("{} (gave up after {} attempts)", failure.what(), attempt),
                         !failure.malformed());
      }
      if (failure.at_least().count() > 0) {
        log_->warn("{}; attempt {} of {}, retrying in {} ms", failure.what(), attempt,
                   retry_.attempts, failure.at_least().count());
      } else {
        log_->warn("{}; attempt {} of {}, retrying when the rate limit allows", failure.what(),
                   attempt, retry_.attempts);
      }
      if (hand_back_) throw SteamWait(failure.what(), failure.at_least(), attempt + 1);
      pause(failure.at_least());
    }
  }
}

AppListPage SteamApi::app_list_page(std::int64_t after) {
  if (endpoints_.api_key.empty()) {
    return fetch(endpoints_.api_url + "/ISteamApps/GetAppList/v2/", "GetAppList v2",
                 [](const std::string& body) { return parse_legacy_app_list(body); });
  }
  auto url = fmt::format("{}/IStoreService/GetAppList/v1/?key={}&max_results={}&last_appid={}",
                         endpoints_.api_url, url_encode(endpoints_.api_key),
                         endpoints_.page_size, after);
  return fetch(url, fmt::format("GetAppList v1 after app {}", after),
               [](const std::string& body) { return parse_store_app_list(body); });
}

std::optional<AppDetails> SteamApi::details(std::int64_t app_id, const std::string& country) {
  auto url = fmt::format("{}/api/appdetails?appids={}&cc={}&l={}", endpoints_.store_url, app_id,
                         country, url_encode(endpoints_.language));
  return fetch(url, fmt::format("appdetails of app {} in {}", app_id, country),
               [app_id](const std::string& body) { return parse_app_details(body, app_id); });
}

std::map<std::int64_t, std::optional<Price>> SteamApi::prices(
    const std::vector<std::int64_t>& app_ids, const std::string& country) {
  auto url = fmt::format("{}/api/appdetails?appids={}&cc={}&filters=price_overview",
                         endpoints_.store_url, join_ids(app_ids), country);
  return fetch(url, fmt::format("prices of {} apps in {}", app_ids.size(), country),
               [](const std::string& body) { return parse_prices(body); });
}

}  // namespace steam_sync
