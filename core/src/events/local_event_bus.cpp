#include "events/local_event_bus.hpp"

#include <algorithm>
#include <mutex>

namespace orchestra::events {
namespace {

// The subscribers this thread is calling now.
thread_local std::vector<const void*> calling_now;

}  // namespace

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
  std::vector<std::shared_ptr<Target>> targets;
  {
    std::shared_lock lock(mutex_);
    for (const auto& entry : entries_) {
      if (matches(entry.topic, event.topic)) targets.push_back(entry.target);
    }
  }
  for (const auto& target : targets) {
    std::shared_lock calling(target->calls);
    if (!target->live) continue;
    calling_now.push_back(target.get());
    struct Done {
      ~Done() { calling_now.pop_back(); }
    } done;
    try {
      target->subscriber(event);
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
  auto target = std::make_shared<Target>();
  target->subscriber = std::move(subscriber);
  entries_.push_back(Entry{id, std::move(topic), std::move(target)});
  return Subscription(this, id);
}

void LocalEventBus::unsubscribe(std::uint64_t id) {
  std::shared_ptr<Target> target;
  {
    std::unique_lock lock(mutex_);
    auto it = std::find_if(entries_.begin(), entries_.end(),
                           [id](const Entry& entry) { return entry.id == id; });
    if (it == entries_.end()) return;
    target = it->target;
    entries_.erase(it);
  }
  if (std::find(calling_now.begin(), calling_now.end(), target.get()) != calling_now.end()) {
    target->live = false;
    return;
  }
  std::unique_lock waiting(target->calls);
  target->live = false;
}

}  // namespace orchestra::events
