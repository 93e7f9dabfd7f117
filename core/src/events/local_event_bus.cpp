#include "events/local_event_bus.hpp"

#include <algorithm>
#include <mutex>

namespace orchestra::events {

Subscription::Subscription(Subscription&& other) noexcept
    : bus_(std::exchange(other.bus_, nullptr)), id_(other.id_) {}

Subscription& Subscription::operator=(Subscription&& other) noexcept {
  if (this != &other) {
    if (bus_ != nullptr) bus_->unsubscribe(id_);
    bus_ = std::exchange(other.bus_, nullptr);
    id_ = other.id_;
  }
  return *this;
}

Subscription::~Subscription() {
  if (bus_ != nullptr) bus_->unsubscribe(id_);
}

LocalEventBus::LocalEventBus(std::shared_ptr<spdlog::logger> log) : log_(std::move(log)) {}

bool LocalEventBus::matches(const std::string& pattern, const std::string& topic) {
  if (!pattern.empty() && pattern.back() == '*') {
    return topic.compare(0, pattern.size() - 1, pattern, 0, pattern.size() - 1) == 0;
  }
  return pattern == topic;
}

void LocalEventBus::publish(const Event& event) {
  std::vector<std::shared_ptr<Subscriber>> targets;
  {
    std::shared_lock lock(mutex_);
    for (const auto& entry : entries_) {
      if (matches(entry.topic, event.topic)) targets.push_back(entry.subscriber);
    }
  }
  for (const auto& subscriber : targets) {
    try {
      (*subscriber)(event);
    } catch (const std::exception& error) {
      log_->error("event subscriber for '{}' failed: {}", event.topic, error.what());
    } catch (...) {
      log_->error("event subscriber for '{}' failed with a non-standard exception", event.topic);
    }
  }
}

Subscription LocalEventBus::subscribe(std::string topic, Subscriber subscriber) {
  std::unique_lock lock(mutex_);
  auto id = next_id_++;
  entries_.push_back(
      Entry{id, std::move(topic), std::make_shared<Subscriber>(std::move(subscriber))});
  return Subscription(this, id);
}

void LocalEventBus::unsubscribe(std::uint64_t id) {
  std::unique_lock lock(mutex_);
  std::erase_if(entries_, [id](const Entry& entry) { return entry.id == id; });
}

}  // namespace orchestra::events
