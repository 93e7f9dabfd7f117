#pragma once
// Subscribes to the backend's wake channel on a connection of its own and
// calls `wake` for every message, so idle workers claim new work at once
// instead of at their next poll. Reconnects with backoff; on every
// (re)connection it wakes once, for messages it may have missed.

#include "tasks/redis/redis_client.hpp"
#include "tasks/task_queue.hpp"

#include <functional>
#include <thread>

namespace orchestra::tasks::redis {

class WakeWatcher final : public WorkWatch {
 public:
  WakeWatcher(RedisTarget target, std::string channel, std::function<void()> wake);
  ~WakeWatcher() override;

 private:
  void run(std::stop_token stop);
  // Reads messages until the connection fails or `stop` is requested.
  void listen(redisContext& context, std::stop_token stop);

  RedisTarget target_;
  std::string channel_;
  std::function<void()> wake_;
  std::jthread thread_;  // last: stops first
};

}  // namespace orchestra::tasks::redis
