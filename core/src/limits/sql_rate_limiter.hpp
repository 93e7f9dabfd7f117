#pragma once
// Token buckets in the database's rate_limits table, one row per key,
// read and written in one write transaction per call.

#include "db/connection_pool.hpp"

#include <orchestra/limits.hpp>

namespace orchestra::limits {

class SqlRateLimiter final : public RateLimiter {
 public:
  explicit SqlRateLimiter(db::ConnectionPool& database) : database_(database) {}
  std::optional<std::chrono::milliseconds> try_acquire(const std::string& key,
                                                       const Budget& budget) override;
  void penalize(const std::string& key, std::chrono::milliseconds pause) override;
  double available(const std::string& key, const Budget& budget) override;

 private:
  enum class Mode { take, peek, penalize };
  // Returns the wait (none when a token was taken) and the tokens left.
  std::pair<std::optional<std::chrono::milliseconds>, double> run(
      const std::string& key, const Budget& budget, Mode mode, std::chrono::milliseconds pause);

  db::ConnectionPool& database_;
};

}  // namespace orchestra::limits
