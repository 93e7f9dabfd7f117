#include <orchestra/json.hpp>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <ctime>

namespace orchestra::json {

std::string rfc3339(std::int64_t unix_ms) {
  auto seconds = static_cast<std::time_t>(unix_ms / 1000);
  auto millis = unix_ms % 1000;
  if (millis < 0) {
    millis += 1000;
    --seconds;
  }
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03}Z", fmt::gmtime(seconds), millis);
}

}  // namespace orchestra::json
