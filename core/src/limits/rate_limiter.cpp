#include <orchestra/limits.hpp>

#include <algorithm>
#include <thread>

namespace orchestra::limits {

bool RateLimiter::acquire(const std::string& key, const Budget& budget,
                          const std::function<bool()>& stop) {
  // Sleeps the whole wait the store named (each try is a write to it), in
  // short steps so that `stop` is noticed soon.
  constexpr auto kStep = std::chrono::milliseconds(100);
  for (;;) {
    if (stop && stop()) return false;
    auto wait = try_acquire(key, budget);
    if (!wait) return true;
    auto until = std::chrono::steady_clock::now() + std::max(*wait, std::chrono::milliseconds(1));
    while (std::chrono::steady_clock::now() < until) {
      if (stop && stop()) return false;
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          until - std::chrono::steady_clock::now());
      std::this_thread::sleep_for(std::clamp(left, std::chrono::milliseconds(1), kStep));
    }
  }
}

}  // namespace orchestra::limits
