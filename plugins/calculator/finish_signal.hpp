#pragma once
// Wakes long-polls in this process as soon as a worker thread of this
// process finishes an expression; polls in other processes (api role)
// notice through the database instead.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace calculator {

class FinishSignal {
 public:
  void notify() {
    {
      std::lock_guard lock(mutex_);
      ++generation_;
    }
    changed_.notify_all();
  }
  std::uint64_t generation() {
    std::lock_guard lock(mutex_);
    return generation_;
  }
  // Returns when something finished after `seen`, or after `timeout`.
  void wait(std::uint64_t seen, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, timeout, [&] { return generation_ != seen; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::uint64_t generation_ = 0;
};

}  // namespace calculator
