#pragma once
// The token-bucket arithmetic both stores share.

#include <orchestra/limits.hpp>

#include <cstdint>

namespace orchestra::limits {

struct BucketState {
  double tokens = 0;
  std::int64_t updated_ms = 0;
  std::int64_t blocked_until_ms = 0;
};

struct BucketStep {
  BucketState next;
  std::optional<std::chrono::milliseconds> wait;  // nullopt: a token was taken
};

// Refills `state` to `now_ms`, then takes a token if `take` and one is there.
BucketStep step(const BucketState& state, bool fresh, const Budget& budget, std::int64_t now_ms,
                bool take);

}  // namespace orchestra::limits
