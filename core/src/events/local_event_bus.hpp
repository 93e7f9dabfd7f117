#pragma once
// The in-process event bus (the embedded default). A cross-process bus
// (Redis pub/sub, PostgreSQL LISTEN/NOTIFY) can replace it behind the same
// interface.

#include <orchestra/events.hpp>

#include <spdlog/logger.h>

#include <atomic>
#include <memory>
#include <shared_mutex>
#include <vector>

namespace orchestra::events {

class LocalEventBus final : public EventBus {
 public:
  explicit LocalEventBus(std::shared_ptr<spdlog::logger> log);
  void publish(const Event& event) override;
  Subscription subscribe(std::string topic, Subscriber subscriber) override;

 protected:
  void unsubscribe(std::uint64_t id) override;

 private:
  // Calls hold `calls` shared; unsubscribing takes it exclusively, so it
  // returns only once no call of that subscriber runs or will start (a
  // subscriber unsubscribing itself from inside its call does not wait).
  struct Target {
    Subscriber subscriber;
    std::shared_mutex calls;
    std::atomic<bool> live{true};
  };
  struct Entry {
    std::uint64_t id;
    std::string topic;
    std::shared_ptr<Target> target;
  };
  static bool matches(const std::string& pattern, const std::string& topic);

  std::shared_ptr<spdlog::logger> log_;
  std::shared_mutex mutex_;
  std::uint64_t next_id_ = 1;
  std::vector<Entry> entries_;
};

}  // namespace orchestra::events
