#pragma once
// Which handler failures mean a dependency is down rather than a bug:
// an api answers them 503 with Retry-After (http::OutageTest), and a
// worker retries the task later without counting the attempt.

#include <exception>
#include <optional>
#include <string>

namespace orchestra::tasks {

// "the database" or "Redis" when `error` reports that one is unreachable
// (refused, lost or reset connections, a busy SQLite file); otherwise nullopt.
std::optional<std::string> dependency_outage(const std::exception& error);

}  // namespace orchestra::tasks
