#include <orchestra/limits.hpp>

#include <algorithm>
#include <thread>

namespace orchestra::limits {

bool RateLimiter::acquire(const std::string& key, const Budget& budget,
                          const std::function<bool()>& stop) {
  // Sleep in short steps so a shutdown is noticed soon.
  constexpr auto kStep = std::chrono::milliseconds(100);
  for (;;) {
    if (stop && stop()) return false;
    auto wait = try_acquire(key, budget);
    if (!wait) return true;
    std::this_thread::sleep_for(std::clamp(*wait, std::chrono::milliseconds(1), kStep));
  }
}

}  // namespace orchestra::limits
