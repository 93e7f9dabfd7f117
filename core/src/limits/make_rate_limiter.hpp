#pragma once
// The shared rate limiter for the configured queue backend: Redis for the
// redis backend, the database otherwise.

#include "config/core_config.hpp"
#include "db/connection_pool.hpp"

#include <orchestra/limits.hpp>

#include <memory>

namespace orchestra::limits {

std::unique_ptr<RateLimiter> make_rate_limiter(const config::QueueConfig& queue,
                                               db::ConnectionPool& database);

}  // namespace orchestra::limits
