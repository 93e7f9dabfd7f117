#pragma once
// The largest resident set a process reaches while a PeakRss lives,
// sampled every 20 ms. (VmHWM would report the server's start-up, when it
// hashes a dummy password with 64 MiB argon2id.)

#include <sys/types.h>

#include <atomic>
#include <thread>

namespace orchestra::testing {

// The process's resident set now, in KiB (0 when it is gone).
long rss_kb(pid_t pid);

class PeakRss {
 public:
  explicit PeakRss(pid_t pid);
  long mb() const { return peak_ / 1024; }

 private:
  std::atomic<long> peak_{0};
  std::jthread thread_;
};

}  // namespace orchestra::testing
