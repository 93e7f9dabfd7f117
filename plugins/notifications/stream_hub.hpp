#pragma once
// Users' open event streams in this process. Each stream remembers the
// last inbox id it sent and sends ids strictly in order, none twice: a
// pushed item that is not the next one makes it read what it missed from
// the inbox first. Pushes arrive on the event bus (from any process on the
// redis backend); every `resync` interval, and whenever the bus reconnects,
// streams that fell behind the inbox catch up from it, so a lost push
// delays an item but never drops it.

#include "inbox_store.hpp"
#include "notifier.hpp"

#include <orchestra/events.hpp>
#include <orchestra/http.hpp>

#include <spdlog/logger.h>

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

namespace notifications {

class StreamHub {
 public:
  StreamHub(InboxStore& inbox, orchestra::events::EventBus& events,
            std::chrono::milliseconds resync, std::shared_ptr<spdlog::logger> log);
  ~StreamHub();
  StreamHub(const StreamHub&) = delete;
  StreamHub& operator=(const StreamHub&) = delete;

  // A stream for `user` that starts after inbox id `last_seen` (everything
  // newer is sent first), or at the inbox's newest item when nullopt.
  std::shared_ptr<orchestra::http::StreamBody> open(const std::string& user,
                                                    std::optional<std::int64_t> last_seen);
  std::size_t size() const;
  // Closes every stream (at shutdown).
  void close_all();

 private:
  struct Stream;
  void on_push(const std::string& payload);
  void catch_up(Stream& stream);
  void resync_all();
  void run_resync(std::stop_token stop);
  void remove(const Stream* stream);
  std::vector<std::shared_ptr<Stream>> streams_of(const std::string& user) const;

  InboxStore& inbox_;
  std::chrono::milliseconds resync_;
  std::shared_ptr<spdlog::logger> log_;
  mutable std::mutex mutex_;
  std::multimap<std::string, std::shared_ptr<Stream>> streams_;
  std::mutex resync_mutex_;
  bool resync_requested_ = false;
  std::condition_variable_any wake_resync_;
  orchestra::events::Subscription pushes_;
  orchestra::events::Subscription reconnects_;
  std::jthread resync_thread_;  // last: stops first
};

}  // namespace notifications
