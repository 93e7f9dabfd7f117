#pragma once
// Wakes idle workers for every message on the backend's wake channel, so
// they claim new work at once instead of at their next poll; also on every
// (re)connection, for messages it may have missed.

#include "tasks/redis/channel_listener.hpp"
#include "tasks/task_queue.hpp"

namespace orchestra::tasks::redis {

class WakeWatcher final : public WorkWatch {
 public:
  WakeWatcher(RedisTarget target, std::string channel, std::function<void()> wake);

 private:
  ChannelListener listener_;
};

}  // namespace orchestra::tasks::redis
