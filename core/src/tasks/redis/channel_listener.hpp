#pragma once
// Subscribes to one Redis pub/sub channel on a connection of its own and
// hands every message's payload to `on_message`, on the listener's thread.
// Reconnects with backoff; `on_connect` runs after every (re)subscription,
// since messages published while disconnected are lost (pub/sub keeps
// nothing).

#include "tasks/redis/redis_client.hpp"

#include <functional>
#include <string_view>
#include <thread>

namespace orchestra::tasks::redis {

class ChannelListener {
 public:
  ChannelListener(RedisTarget target, std::string channel,
                  std::function<void(std::string_view)> on_message,
                  std::function<void()> on_connect);
  ~ChannelListener();
  ChannelListener(const ChannelListener&) = delete;
  ChannelListener& operator=(const ChannelListener&) = delete;

 private:
  void run(std::stop_token stop);
  // Reads messages until the connection fails or `stop` is requested.
  void listen(redisContext& context, std::stop_token stop);
  void deliver(const redisReply& reply);

  RedisTarget target_;
  std::string channel_;
  std::function<void(std::string_view)> on_message_;
  std::function<void()> on_connect_;
  std::jthread thread_;  // last: stops first
};

}  // namespace orchestra::tasks::redis
