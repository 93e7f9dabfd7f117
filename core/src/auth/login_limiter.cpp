#include "auth/login_limiter.hpp"

#include <algorithm>

namespace orchestra::auth {
namespace {

// The login is lower-cased by the caller; a newline cannot occur in it.
std::string pair_key(const std::string& login, const std::string& address) {
  return login + '\n' + address;
}

// How long an address a login succeeded from stays known, and how many
// known pairs are kept at most (memory stays bounded under a flood).
constexpr auto kKnownFor = std::chrono::hours(24 * 30);
constexpr std::size_t kMaxKnown = 100'000;

}  // namespace

LoginLimiter::LoginLimiter(const LoginLimits& limits)
    : pairs_(limits.per_login_and_address, limits.window),
      logins_(limits.per_login, limits.window),
      addresses_(limits.per_address, limits.window) {}

std::optional<std::chrono::seconds> LoginLimiter::admit(const std::string& login,
                                                        const std::string& address,
                                                        Clock::time_point now) {
  std::lock_guard lock(mutex_);
  auto pair = pair_key(login, address);
  bool owner = known(pair, now);
  auto wait = std::max({pairs_.wait(pair, now), owner ? std::chrono::seconds(0) : logins_.wait(login, now),
                        addresses_.wait(address, now)});
  if (wait.count() > 0) return wait;
  pairs_.take(pair, now);
  logins_.take(login, now);
  addresses_.take(address, now);
  return std::nullopt;
}

bool LoginLimiter::known(const std::string& pair, Clock::time_point now) {
  auto found = known_until_.find(pair);
  return found != known_until_.end() && found->second > now;
}

void LoginLimiter::remember(const std::string& pair, Clock::time_point now) {
  if (known_until_.size() >= kMaxKnown) {
    std::erase_if(known_until_, [&](const auto& entry) { return entry.second <= now; });
    if (known_until_.size() >= kMaxKnown) return;
  }
  known_until_[pair] = now + kKnownFor;
}

void LoginLimiter::succeeded(const std::string& login, const std::string& address,
                             Clock::time_point now) {
  give_back(login, address, now);
  std::lock_guard lock(mutex_);
  remember(pair_key(login, address), now);
}

void LoginLimiter::give_back(const std::string& login, const std::string& address,
                             Clock::time_point now) {
  std::lock_guard lock(mutex_);
  pairs_.give_back(pair_key(login, address), now);
  logins_.give_back(login, now);
  addresses_.give_back(address, now);
}

RegistrationLimiter::RegistrationLimiter(int attempts, std::chrono::milliseconds window)
    : addresses_(attempts, window) {}

std::optional<std::chrono::seconds> RegistrationLimiter::admit(
    const std::string& address, TokenBuckets::Clock::time_point now) {
  std::lock_guard lock(mutex_);
  auto wait = addresses_.wait(address, now);
  if (wait.count() > 0) return wait;
  addresses_.take(address, now);
  return std::nullopt;
}

}  // namespace orchestra::auth
