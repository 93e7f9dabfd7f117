#pragma once
// Which handler failures mean a dependency is down rather than a bug:
// they are answered 503 with Retry-After (http::OutageTest).

#include <exception>
#include <optional>
#include <string>

namespace orchestra::app {

// "the database" or "Redis" when `error` reports that one is unreachable
// (refused, lost or reset connections, a busy SQLite file); otherwise nullopt.
std::optional<std::string> dependency_outage(const std::exception& error);

}  // namespace orchestra::app
