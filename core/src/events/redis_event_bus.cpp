#include "events/redis_event_bus.hpp"

#include <orchestra/events.hpp>

namespace orchestra::events {

RedisEventBus::RedisEventBus(const tasks::redis::RedisTarget& target, std::string channel,
                             std::shared_ptr<spdlog::logger> log)
    : log_(log), channel_(std::move(channel)), local_(log), client_(target, 2) {
  listener_.emplace(
      target, channel_, [this](std::string_view message) { receive(message); },
      [this] { local_.publish(Event{std::string(kReconnectedTopic), "{}"}); });
}

void RedisEventBus::publish(const Event& event) {
  if (event.topic.find('\n') != std::string::npos) {
    throw std::invalid_argument("an event topic cannot contain a line break");
  }
  try {
    client_.command({"PUBLISH", channel_, event.topic + '\n' + event.payload});
  } catch (const tasks::redis::RedisError& error) {
    log_->warn("event '{}' delivered in this process only: {}", event.topic, error.what());
    local_.publish(event);
  }
}

// A message is the topic, a line break and the payload.
void RedisEventBus::receive(std::string_view message) {
  auto newline = message.find('\n');
  if (newline == std::string_view::npos) return;
  local_.publish(Event{std::string(message.substr(0, newline)),
                       std::string(message.substr(newline + 1))});
}

Subscription RedisEventBus::subscribe(std::string topic, Subscriber subscriber) {
  return local_.subscribe(std::move(topic), std::move(subscriber));
}

// Subscriptions belong to the local bus, which unsubscribes them itself.
void RedisEventBus::unsubscribe(std::uint64_t) {}

}  // namespace orchestra::events
