#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace orchestra::config {

// Parses "250ms", "30s", "5m", "1h", "2d"; nullopt for anything else.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

}  // namespace orchestra::config
