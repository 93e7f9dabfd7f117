#include "tasks/task_id.hpp"

#include <fmt/format.h>

#include <chrono>
#include <mutex>
#include <random>

namespace orchestra::tasks {

std::string new_task_id() {
  static std::mutex mutex;
  static std::mt19937_64 generator{std::random_device{}()};
  static std::uint64_t last_millis = 0;
  static std::uint16_t sequence = 0;
  std::uint64_t millis = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::system_clock::now().time_since_epoch())
          .count());
  std::uint16_t counter;
  std::uint64_t random;
  {
    std::lock_guard lock(mutex);
    // The 12-bit rand_a field carries a counter within one millisecond so
    // ids made in the same millisecond still sort in creation order.
    if (millis <= last_millis) {
      millis = last_millis;
      if (++sequence > 0x0fff) {
        ++millis;
        sequence = 0;
      }
    } else {
      sequence = static_cast<std::uint16_t>(generator() & 0x03ff);
    }
    last_millis = millis;
    counter = sequence;
    random = generator();
  }
  std::uint64_t high = (millis << 16) | 0x7000 | counter;
  std::uint64_t low = (random & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;
  return fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", high >> 32, (high >> 16) & 0xffff,
                     high & 0xffff, low >> 48, low & 0xffffffffffffULL);
}

}  // namespace orchestra::tasks
