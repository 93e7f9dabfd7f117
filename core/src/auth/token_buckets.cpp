#include "auth/token_buckets.hpp"

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

TokenBuckets::TokenBuckets(int capacity, std::chrono::milliseconds window)
    : capacity_(capacity),
      per_second_(capacity / std::chrono::duration<double>(window).count()),
      prune_above_(kPruneAbove) {}

TokenBuckets::Bucket& TokenBuckets::refreshed(const std::string& key, Clock::time_point now) {
  prune(now);
  auto [it, created] = buckets_.try_emplace(key, Bucket{capacity_, now});
  auto& bucket = it->second;
  if (!created) {
    double elapsed = std::chrono::duration<double>(now - bucket.updated).count();
    bucket.tokens = std::min(capacity_, bucket.tokens + std::max(0.0, elapsed) * per_second_);
    bucket.updated = now;
  }
  return bucket;
}

void TokenBuckets::prune(Clock::time_point now) {
  if (buckets_.size() <= prune_above_) return;
  std::erase_if(buckets_, [&](const auto& entry) {
    double elapsed = std::chrono::duration<double>(now - entry.second.updated).count();
    return entry.second.tokens + elapsed * per_second_ >= capacity_;
  });
  // Scans stay rare while many keys are live at once: the next one waits
  // until the map has doubled.
  prune_above_ = std::max(kPruneAbove, 2 * buckets_.size());
}

std::chrono::seconds TokenBuckets::wait(const std::string& key, Clock::time_point now) {
  const auto& bucket = refreshed(key, now);
  if (bucket.tokens >= kOneToken) return std::chrono::seconds(0);
  double missing = 1.0 - bucket.tokens;
  return std::chrono::seconds(
      std::max<long long>(1, static_cast<long long>(std::ceil(missing / per_second_))));
}

void TokenBuckets::take(const std::string& key, Clock::time_point now) {
  auto& bucket = refreshed(key, now);
  bucket.tokens = std::max(0.0, bucket.tokens - 1.0);
}

void TokenBuckets::give_back(const std::string& key, Clock::time_point now) {
  auto& bucket = refreshed(key, now);
  bucket.tokens = std::min(capacity_, bucket.tokens + 1.0);
}

}  // namespace orchestra::auth
