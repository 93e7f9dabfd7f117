#pragma once
// The secret access tokens are signed with: ORCHESTRA_AUTH__SECRET when
// set; otherwise the file `auth.secret_file`, generated (mode 0600) on
// first start so the embedded default needs no set-up.

#include "config/core_config.hpp"

#include <spdlog/logger.h>

#include <string>

namespace orchestra::auth {

// Throws std::runtime_error naming the file when it cannot be read or
// written, or holds a secret that is too short.
std::string load_signing_secret(const config::AuthConfig& config, spdlog::logger& log);

}  // namespace orchestra::auth
