#pragma once
// Process-wide logging: one stderr sink shared by the core's and every
// plugin's logger, text or JSON lines.

#include "config/core_config.hpp"

#include <spdlog/logger.h>

#include <memory>
#include <string>

namespace orchestra::log {

void configure(const config::LogConfig& config);
// A logger named `name` writing to the shared sink (created on first use).
std::shared_ptr<spdlog::logger> logger(const std::string& name);
// Escapes `text` for inclusion inside a JSON string literal.
void append_json_escaped(std::string& out, std::string_view text);

}  // namespace orchestra::log
