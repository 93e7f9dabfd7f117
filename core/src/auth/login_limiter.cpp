#include "auth/login_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace orchestra::auth {
namespace {

// Above this many buckets, full ones (idle keys) are dropped, so a scan of
// many logins or addresses cannot grow the map without bound.
constexpr std::size_t kPruneAbove = 10'000;
// Refills are fractions; without slack 5/6 + 1/6 can fall just short of 1.
constexpr double kOneToken = 1.0 - 1e-9;

}  // namespace

LoginLimiter::LoginLimiter(int attempts, std::chrono::milliseconds window)
    : capacity_(attempts),
      per_second_(attempts / std::chrono::duration<double>(window).count()) {}

LoginLimiter::Bucket& LoginLimiter::refreshed(const std::string& key, Clock::time_point now) {
  auto [it, created] = buckets_.try_emplace(key, Bucket{capacity_, now});
  auto& bucket = it->second;
  if (!created) {
    double elapsed = std::chrono::duration<double>(now - bucket.updated).count();
    bucket.tokens = std::min(capacity_, bucket.tokens + std::max(0.0, elapsed) * per_second_);
    bucket.updated = now;
  }
  return bucket;
}

std::chrono::seconds LoginLimiter::wait_for(const Bucket& bucket) const {
  double missing = 1.0 - bucket.tokens;
  return std::chrono::seconds(
      std::max<long long>(1, static_cast<long long>(std::ceil(missing / per_second_))));
}

void LoginLimiter::prune(Clock::time_point now) {
  if (buckets_.size() <= kPruneAbove) return;
  std::erase_if(buckets_, [&](const auto& entry) {
    double elapsed = std::chrono::duration<double>(now - entry.second.updated).count();
    return entry.second.tokens + elapsed * per_second_ >= capacity_;
  });
}

std::optional<std::chrono::seconds> LoginLimiter::admit(const std::string& login,
                                                        const std::string& address,
                                                        Clock::time_point now) {
  std::lock_guard lock(mutex_);
  prune(now);
  auto& by_login = refreshed("login:" + login, now);
  auto& by_address = refreshed("address:" + address, now);
  if (by_login.tokens < kOneToken || by_address.tokens < kOneToken) {
    return std::max(by_login.tokens < kOneToken ? wait_for(by_login) : std::chrono::seconds(0),
                    by_address.tokens < kOneToken ? wait_for(by_address) : std::chrono::seconds(0));
  }
  by_login.tokens = std::max(0.0, by_login.tokens - 1.0);
  by_address.tokens = std::max(0.0, by_address.tokens - 1.0);
  return std::nullopt;
}

}  // namespace orchestra::auth
