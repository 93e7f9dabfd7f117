#include "limits/sql_rate_limiter.hpp"

#include <orchestra/db.hpp>
#include "limits/token_bucket.hpp"

#include <orchestra/clock.hpp>
#include <chrono>

namespace orchestra::limits {
namespace {

}  // namespace

std::pair<std::optional<std::chrono::milliseconds>, double> SqlRateLimiter::run(
    const std::string& key, const Budget& budget, Mode mode, std::chrono::milliseconds pause) {
  soci::session session(database_.pool());
  db::WriteTransaction transaction(session, database_.dialect());
  long long now = orchestra::unix_ms();
  double capacity = budget.capacity;
  session << "INSERT INTO rate_limits (key, tokens, updated_at, blocked_until) "
             "VALUES (:key, :tokens, :now, 0) ON CONFLICT (key) DO NOTHING",
      soci::use(key), soci::use(capacity), soci::use(now);
  BucketState state;
  long long updated = 0, blocked = 0;
  std::string lock = database_.dialect() == db::Dialect::postgres ? " FOR UPDATE" : "";
  session << "SELECT tokens, updated_at, blocked_until FROM rate_limits WHERE key = :key" + lock,
      soci::use(key), soci::into(state.tokens), soci::into(updated), soci::into(blocked);
  state.updated_ms = updated;
  state.blocked_until_ms = blocked;
  // Read the clock only now, holding the row: a call that waited for the
  // lock must not write an older time than the one it waited for.
  now = std::max<long long>(orchestra::unix_ms(), updated);
  auto result = step(state, false, budget, now, mode == Mode::take);
  if (mode == Mode::penalize) {
    result.next.blocked_until_ms = std::max<std::int64_t>(blocked, now + pause.count());
    result.next.tokens = 0;
  }
  if (mode != Mode::peek) {
    long long next_updated = result.next.updated_ms, next_blocked = result.next.blocked_until_ms;
    session << "UPDATE rate_limits SET tokens = :tokens, updated_at = :updated, "
               "blocked_until = :blocked WHERE key = :key",
        soci::use(result.next.tokens), soci::use(next_updated), soci::use(next_blocked),
        soci::use(key);
  }
  transaction.commit();
  return {result.wait, result.next.tokens};
}

std::optional<std::chrono::milliseconds> SqlRateLimiter::try_acquire(const std::string& key,
                                                                     const Budget& budget) {
  return run(key, budget, Mode::take, {}).first;
}

void SqlRateLimiter::penalize(const std::string& key, std::chrono::milliseconds pause) {
  run(key, Budget{1, std::chrono::milliseconds(1000)}, Mode::penalize, pause);
}

double SqlRateLimiter::available(const std::string& key, const Budget& budget) {
  return run(key, budget, Mode::peek, {}).second;
}

}  // namespace orchestra::limits
