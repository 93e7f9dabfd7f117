#include "limits/redis_rate_limiter.hpp"

#include <string>

namespace orchestra::limits {
namespace {

// ARGV: key, capacity, period ms, mode (take|peek|penalize), pause ms.
// Returns {wait ms, tokens as text}.
constexpr const char* kScript = R"lua(
local key, capacity, period = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local mode, pause = ARGV[4], tonumber(ARGV[5])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local v = redis.call('HMGET', key, 't', 'u', 'b')
local tokens, updated, blocked = tonumber(v[1]), tonumber(v[2]) or now, tonumber(v[3]) or 0
local rate = capacity / math.max(1, period)
if tokens == nil then tokens = capacity end
tokens = math.min(capacity, tokens + math.max(0, now - updated) * rate)
local wait = 0
if mode == 'penalize' then
  blocked = math.max(blocked, now + pause)
  tokens = 0
elseif blocked > now then
  wait = blocked - now
elseif tokens >= 1 - 1e-9 then
  if mode == 'take' then tokens = math.max(0, tokens - 1) end
else
  wait = math.max(1, math.ceil((1 - tokens) / rate))
end
if mode ~= 'peek' then
  redis.call('HSET', key, 't', tostring(tokens), 'u', now, 'b', blocked)
  -- An idle bucket refills completely within a period: forget it after two.
  redis.call('PEXPIRE', key, math.max(period * 2, blocked - now + period))
end
return {wait, tostring(tokens)}
)lua";

}  // namespace

RedisRateLimiter::RedisRateLimiter(tasks::redis::RedisTarget target, std::string prefix)
    : client_(std::move(target), 2), prefix_(std::move(prefix)) {}

std::pair<long long, double> RedisRateLimiter::run(const std::string& key, const Budget& budget,
                                                   const char* mode,
                                                   std::chrono::milliseconds pause) {
  auto reply = client_.script(kScript, {prefix_ + "limit:" + key, std::to_string(budget.capacity),
                                        std::to_string(budget.period.count()), mode,
                                        std::to_string(pause.count())});
  const auto* array = reply.get();
  return {tasks::redis::as_integer(array->element[0]),
          std::stod(tasks::redis::as_string(array->element[1]))};
}

std::optional<std::chrono::milliseconds> RedisRateLimiter::try_acquire(const std::string& key,
                                                                       const Budget& budget) {
  auto wait = run(key, budget, "take", {}).first;
  if (wait == 0) return std::nullopt;
  return std::chrono::milliseconds(wait);
}

void RedisRateLimiter::penalize(const std::string& key, std::chrono::milliseconds pause) {
  run(key, Budget{1, std::chrono::milliseconds(1000)}, "penalize", pause);
}

double RedisRateLimiter::available(const std::string& key, const Budget& budget) {
  return run(key, budget, "peek", {}).second;
}

}  // namespace orchestra::limits
