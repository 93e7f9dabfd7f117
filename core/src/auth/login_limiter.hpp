#pragma once
// Brute-force protection for logins that an attacker cannot turn against
// the account's owner: failures count strictly per (login, client address)
// and only loosely per login and per address, so guesses from elsewhere
// lock out the guesser long before they lock out the owner; and from an
// address it signed in from before, the owner passes the per-login limit
// altogether, so guesses from many addresses cannot shut them out. Each attempt
// reserves a failure before the password is checked (parallel guesses
// cannot overrun the limit) and a success gives it back. Kept in process
// memory: each api process limits on its own.

#include "auth/token_buckets.hpp"

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace orchestra::auth {

struct LoginLimits {
  int per_login_and_address = 10;
  int per_login = 100;
  int per_address = 100;
  std::chrono::milliseconds window{60'000};
};

class LoginLimiter {
 public:
  using Clock = TokenBuckets::Clock;

  explicit LoginLimiter(const LoginLimits& limits);

  // Reserves one failure in every bucket and returns nullopt, or reserves
  // nothing and returns how long to wait. `address` is the client's
  // address block (see http::address_block).
  std::optional<std::chrono::seconds> admit(const std::string& login, const std::string& address,
                                            Clock::time_point now = Clock::now());
  // The attempt was never checked: its reservation is returned.
  void give_back(const std::string& login, const std::string& address,
                 Clock::time_point now = Clock::now());
  // The password was right: the reservation is returned and the address
  // remembered for the login.
  void succeeded(const std::string& login, const std::string& address,
                 Clock::time_point now = Clock::now());

 private:
  bool known(const std::string& pair, Clock::time_point now);
  void remember(const std::string& pair, Clock::time_point now);

  std::mutex mutex_;
  std::unordered_map<std::string, Clock::time_point> known_until_;
  TokenBuckets pairs_;
  TokenBuckets logins_;
  TokenBuckets addresses_;
};

// Registrations per client address block: each one hashes a password.
class RegistrationLimiter {
 public:
  RegistrationLimiter(int attempts, std::chrono::milliseconds window);

  std::optional<std::chrono::seconds> admit(const std::string& address,
                                            TokenBuckets::Clock::time_point now =
                                                TokenBuckets::Clock::now());

 private:
  std::mutex mutex_;
  TokenBuckets addresses_;
};

}  // namespace orchestra::auth
