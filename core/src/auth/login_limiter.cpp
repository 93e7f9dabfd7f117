#include "auth/login_limiter.hpp"

#include <algorithm>

namespace orchestra::auth {
namespace {

// The login is lower-cased by the caller; a newline cannot occur in it.
std::string pair_key(const std::string& login, const std::string& address) {
  return login + '\n' + address;
}

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
  auto wait = std::max({pairs_.wait(pair, now), logins_.wait(login, now),
                        addresses_.wait(address, now)});
  if (wait.count() > 0) return wait;
  pairs_.take(pair, now);
  logins_.take(login, now);
  addresses_.take(address, now);
  return std::nullopt;
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
