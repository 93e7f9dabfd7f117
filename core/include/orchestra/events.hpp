#pragma once
// Publish/subscribe of named events: inside the process on the sql
// backend, across every process of the deployment on the redis backend
// (Redis pub/sub: at most once, nothing kept for a disconnected process).
// Subscribers are called on the publisher's thread in process, on the bus's
// own thread across processes, in subscription order; an exception in one
// subscriber is logged and does not reach the publisher or the other
// subscribers. Events are for wake-ups and live pushes; what must not be
// lost belongs in the database.

#include <boost/config.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace orchestra::events {

// Published locally by a bus that spans processes after it lost and
// regained its connection: events may have been missed meanwhile.
inline constexpr std::string_view kReconnectedTopic = "events.reconnected";

struct Event {
  std::string topic;
  std::string payload;  // JSON text
};

using Subscriber = std::function<void(const Event&)>;

class EventBus;

// Unsubscribes when destroyed, once no call of its subscriber runs any
// more (so a subscriber may use what outlives its Subscription); never
// destroy one from inside its own subscriber.
class BOOST_SYMBOL_VISIBLE Subscription {
 public:
  Subscription() = default;
  Subscription(EventBus* bus, std::uint64_t id) : bus_(bus), id_(id) {}
  Subscription(Subscription&& other) noexcept;
  Subscription& operator=(Subscription&& other) noexcept;
  Subscription(const Subscription&) = delete;
  Subscription& operator=(const Subscription&) = delete;
  ~Subscription();

 private:
  EventBus* bus_ = nullptr;
  std::uint64_t id_ = 0;
};

class BOOST_SYMBOL_VISIBLE EventBus {
 public:
  virtual ~EventBus() = default;
  virtual void publish(const Event& event) = 0;
  // `topic` is an exact topic name, or a prefix ending in '*'.
  [[nodiscard]] virtual Subscription subscribe(std::string topic,
                                               Subscriber subscriber) = 0;

 protected:
  friend class Subscription;
  virtual void unsubscribe(std::uint64_t id) = 0;
};

}  // namespace orchestra::events
