#pragma once
// Token buckets in Redis: one hash per key, updated by one Lua script per
// call, timed by Redis's own clock so workers' clocks do not matter.

#include "tasks/redis/redis_client.hpp"

#include <orchestra/limits.hpp>

namespace orchestra::limits {

class RedisRateLimiter final : public RateLimiter {
 public:
  RedisRateLimiter(tasks::redis::RedisTarget target, std::string prefix);
  std::optional<std::chrono::milliseconds> try_acquire(const std::string& key,
                                                       const Budget& budget) override;
  void penalize(const std::string& key, std::chrono::milliseconds pause) override;
  double available(const std::string& key, const Budget& budget) override;

 private:
  // The wait in ms (0: a token was taken, or nothing was asked) and the
  // tokens left.
  std::pair<long long, double> run(const std::string& key, const Budget& budget,
                                   const char* mode, std::chrono::milliseconds pause);

  tasks::redis::RedisClient client_;
  std::string prefix_;
};

}  // namespace orchestra::limits
