#pragma once
// Token buckets by key, each holding up to `capacity` tokens and refilling
// them all over `window`. Not synchronised: the limiters that use them
// take one lock around everything they check and take.

#include <chrono>
#include <string>
#include <unordered_map>

namespace orchestra::auth {

class TokenBuckets {
 public:
  using Clock = std::chrono::steady_clock;

  TokenBuckets(int capacity, std::chrono::milliseconds window);

  // Zero when `key` has a token now, else how long until it has one.
  std::chrono::seconds wait(const std::string& key, Clock::time_point now);
  void take(const std::string& key, Clock::time_point now);
  void give_back(const std::string& key, Clock::time_point now);

 private:
  struct Bucket {
    double tokens;
    Clock::time_point updated;
  };

  Bucket& refreshed(const std::string& key, Clock::time_point now);
  void prune(Clock::time_point now);

  double capacity_;
  double per_second_;
  std::size_t prune_above_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace orchestra::auth
