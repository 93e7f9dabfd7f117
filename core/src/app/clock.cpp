#include <orchestra/clock.hpp>

#include <chrono>

namespace orchestra {

std::int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace orchestra
