#pragma once
// A rate limiter shared by every process of a deployment: token buckets
// kept in the queue backend's store (Redis, or the database for the sql
// backend), so N workers together stay under one budget, e.g. 200
// requests per 300 s to one host.

#include <boost/config.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <string>

namespace orchestra::limits {

// `capacity` tokens, refilled continuously at capacity / period.
struct Budget {
  double capacity = 1;
  std::chrono::milliseconds period{1000};
};

class BOOST_SYMBOL_VISIBLE RateLimiter {
 public:
  virtual ~RateLimiter() = default;
  // Takes one token from `key`'s bucket; when none is left, takes nothing
  // and returns how long until one will be.
  virtual std::optional<std::chrono::milliseconds> try_acquire(const std::string& key,
                                                               const Budget& budget) = 0;
  // After the other side said "too many requests": no token for `key`
  // until `pause` has passed, for every process.
  virtual void penalize(const std::string& key, std::chrono::milliseconds pause) = 0;
  // Tokens left now (for reports); never takes one.
  virtual double available(const std::string& key, const Budget& budget) = 0;

  // Waits (polling try_acquire) until a token is taken; false when
  // `stop()` turned true first.
  bool acquire(const std::string& key, const Budget& budget, const std::function<bool()>& stop);
};

}  // namespace orchestra::limits
