#pragma once
// Brute-force protection for logins: a token bucket per login and one per
// client address, each allowing `attempts` per `window`. Kept in process
// memory: each api process limits on its own.

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace orchestra::auth {

class LoginLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  LoginLimiter(int attempts, std::chrono::milliseconds window);

  // Counts one attempt and returns nullopt when both buckets allow it;
  // otherwise counts nothing and returns how long to wait.
  std::optional<std::chrono::seconds> admit(const std::string& login,
                                            const std::string& address,
                                            Clock::time_point now = Clock::now());

 private:
  struct Bucket {
    double tokens;
    Clock::time_point updated;
  };

  Bucket& refreshed(const std::string& key, Clock::time_point now);
  std::chrono::seconds wait_for(const Bucket& bucket) const;
  void prune(Clock::time_point now);

  double capacity_;
  double per_second_;
  std::mutex mutex_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace orchestra::auth
