#include "limits/make_rate_limiter.hpp"

#include "limits/redis_rate_limiter.hpp"
#include "limits/sql_rate_limiter.hpp"

namespace orchestra::limits {

std::unique_ptr<RateLimiter> make_rate_limiter(const config::QueueConfig& queue,
                                               db::ConnectionPool& database) {
  if (queue.backend == "redis") {
    return std::make_unique<RedisRateLimiter>(tasks::redis::parse_redis_url(queue.redis_url),
                                              queue.redis_prefix);
  }
  return std::make_unique<SqlRateLimiter>(database);
}

}  // namespace orchestra::limits
