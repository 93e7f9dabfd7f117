#pragma once
// Polling for a condition that other processes or threads make true.

#include <chrono>
#include <functional>
#include <string>

namespace orchestra::testing {

// Checks `done` every 20 ms until it holds; fails the test (naming `what`)
// once `patience` has passed.
void wait_until(const std::function<bool()>& done, std::chrono::seconds patience,
                const std::string& what);

}  // namespace orchestra::testing
