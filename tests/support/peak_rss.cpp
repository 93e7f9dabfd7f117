#include "support/peak_rss.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <string>

namespace orchestra::testing {

long rss_kb(pid_t pid) {
  std::ifstream status(fmt::format("/proc/{}/status", pid));
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with("VmRSS:")) return std::stol(line.substr(6));
  }
  return 0;
}

PeakRss::PeakRss(pid_t pid)
    : thread_([this, pid](std::stop_token stop) {
        while (!stop.stop_requested()) {
          peak_ = std::max(peak_.load(), rss_kb(pid));
          std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
      }) {}

}  // namespace orchestra::testing
