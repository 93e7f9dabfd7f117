#include "limits/token_bucket.hpp"

#include <algorithm>
#include <cmath>

namespace orchestra::limits {

BucketStep step(const BucketState& state, bool fresh, const Budget& budget, std::int64_t now_ms,
                bool take) {
  BucketStep out;
  out.next = state;
  double rate = budget.capacity / static_cast<double>(std::max<std::int64_t>(1, budget.period.count()));
  if (fresh) {
    out.next.tokens = budget.capacity;
  } else {
    auto elapsed = std::max<std::int64_t>(0, now_ms - state.updated_ms);
    out.next.tokens = std::min(budget.capacity, state.tokens + static_cast<double>(elapsed) * rate);
  }
  out.next.updated_ms = now_ms;
  if (state.blocked_until_ms > now_ms) {
    out.wait = std::chrono::milliseconds(state.blocked_until_ms - now_ms);
    return out;
  }
  if (out.next.tokens >= 1.0 - 1e-9) {
    if (take) out.next.tokens = std::max(0.0, out.next.tokens - 1.0);
    return out;
  }
  out.wait = std::chrono::milliseconds(
      std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil((1.0 - out.next.tokens) / rate))));
  return out;
}

}  // namespace orchestra::limits
