#pragma once
// The event bus of a deployment on the redis backend: events published in
// any process reach the subscribers of every process (Redis pub/sub), each
// process delivering them in the order Redis relays them.
//
// Pub/sub keeps nothing: events published while a process is disconnected
// from Redis never reach it. After every reconnection it publishes, locally,
// kReconnectedTopic, so subscribers that keep state can catch up from
// durable storage. While Redis is unreachable, events are delivered in the
// publishing process only.

#include "events/local_event_bus.hpp"
#include "tasks/redis/channel_listener.hpp"

#include <optional>

namespace orchestra::events {

class RedisEventBus final : public EventBus {
 public:
  RedisEventBus(const tasks::redis::RedisTarget& target, std::string channel,
                std::shared_ptr<spdlog::logger> log);
  void publish(const Event& event) override;
  Subscription subscribe(std::string topic, Subscriber subscriber) override;

 protected:
  void unsubscribe(std::uint64_t id) override;

 private:
  void receive(std::string_view message);

  std::shared_ptr<spdlog::logger> log_;
  std::string channel_;
  LocalEventBus local_;
  tasks::redis::RedisClient client_;
  std::optional<tasks::redis::ChannelListener> listener_;  // last: stops first
};

}  // namespace orchestra::events
