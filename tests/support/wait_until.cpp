#include "support/wait_until.hpp"

#include <doctest/doctest.h>

#include <thread>

namespace orchestra::testing {

void wait_until(const std::function<bool()>& done, std::chrono::seconds patience,
                const std::string& what) {
  auto deadline = std::chrono::steady_clock::now() + patience;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) FAIL("timed out waiting for " << what);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace orchestra::testing
