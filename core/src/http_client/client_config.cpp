#include "http_client/client_config.hpp"

#include <algorithm>

namespace orchestra::http_client {

limits::Budget window_budget(std::int64_t requests, milliseconds per) {
  auto burst = std::max<std::int64_t>(1, requests / 50);
  auto margin = std::min<std::int64_t>(1000, per.count() / 50);
  auto refilled = std::max<std::int64_t>(1, requests - burst);
  // `burst` tokens come back every period: (requests - burst) per (per +
  // margin). Rounded up: a period a fraction short refills too fast.
  auto period = milliseconds(((per.count() + margin) * burst + refilled - 1) / refilled);
  return {static_cast<double>(burst), std::max(milliseconds(1), period)};
}

}  // namespace orchestra::http_client
