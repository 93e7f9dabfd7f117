#include "stream_hub.hpp"

#include <rapidjson/document.h>

#include <orchestra/json.hpp>

#include <set>

namespace notifications {
namespace {

constexpr int kCatchUpPage = 500;
constexpr std::size_t kUsersPerQuery = 500;
// EventSource reconnects after this long when the stream ends.
constexpr const char* kRetry = "retry: 3000\n\n";

}  // namespace

struct StreamHub::Stream {
  std::string user;
  std::shared_ptr<orchestra::http::StreamBody> body;
  std::mutex mutex;  // held while sending, so ids go out in order
  std::int64_t last = 0;
};

StreamHub::StreamHub(InboxStore& inbox, orchestra::events::EventBus& events,
                     std::chrono::milliseconds resync, std::shared_ptr<spdlog::logger> log)
    : inbox_(inbox), resync_(resync), log_(std::move(log)) {
  pushes_ = events.subscribe(kInboxTopic, [this](const orchestra::events::Event& event) {
    on_push(event.payload);
  });
  reconnects_ = events.subscribe(std::string(orchestra::events::kReconnectedTopic),
                                 [this](const orchestra::events::Event&) {
                                   {
                                     std::lock_guard lock(resync_mutex_);
                                     resync_requested_ = true;
                                   }
                                   wake_resync_.notify_all();
                                 });
  resync_thread_ = std::jthread([this](std::stop_token stop) { run_resync(stop); });
}

StreamHub::~StreamHub() {
  resync_thread_ = {};
  pushes_ = {};
  reconnects_ = {};
  close_all();
}

std::shared_ptr<orchestra::http::StreamBody> StreamHub::open(
    const std::string& user, std::optional<std::int64_t> last_seen) {
  auto stream = std::make_shared<Stream>();
  stream->user = user;
  stream->body = std::make_shared<orchestra::http::StreamBody>();
  std::lock_guard sending(stream->mutex);
  {
    std::lock_guard lock(mutex_);
    streams_.emplace(user, stream);
  }
  // Registered before reading the inbox: an item committed meanwhile is
  // either read here or pushed, and the push then waits for this lock.
  auto newest = inbox_.last_ids({user});
  auto current = newest.count(user) ? newest[user] : 0;
  stream->last = std::min(last_seen.value_or(current), current);
  stream->body->write(kRetry);
  catch_up(*stream);
  stream->body->on_close([this, raw = stream.get()] { remove(raw); });
  return stream->body;
}

std::size_t StreamHub::size() const {
  std::lock_guard lock(mutex_);
  return streams_.size();
}

void StreamHub::close_all() {
  std::multimap<std::string, std::shared_ptr<Stream>> closing;
  {
    std::lock_guard lock(mutex_);
    closing.swap(streams_);
  }
  for (auto& [user, stream] : closing) stream->body->close();
}

void StreamHub::remove(const Stream* stream) {
  std::lock_guard lock(mutex_);
  auto [first, last] = streams_.equal_range(stream->user);
  for (auto it = first; it != last; ++it) {
    if (it->second.get() == stream) {
      streams_.erase(it);
      return;
    }
  }
}

std::vector<std::shared_ptr<StreamHub::Stream>> StreamHub::streams_of(
    const std::string& user) const {
  std::vector<std::shared_ptr<Stream>> out;
  std::lock_guard lock(mutex_);
  auto [first, last] = streams_.equal_range(user);
  for (auto it = first; it != last; ++it) out.push_back(it->second);
  return out;
}

void StreamHub::on_push(const std::string& payload) {
  rapidjson::Document document;
  document.Parse(payload.c_str(), payload.size());
  if (!document.IsObject() || !document.HasMember("groups") || !document["groups"].IsArray()) {
    return;
  }
  for (const auto& group : document["groups"].GetArray()) {
    if (!group.IsObject() || !group.HasMember("recipients") || !group.HasMember("notification") ||
        !group["recipients"].IsObject()) {
      continue;
    }
    std::optional<Notification> notification;
    for (const auto& recipient : group["recipients"].GetObject()) {
      auto streams = streams_of(recipient.name.GetString());
      if (streams.empty() || !recipient.value.IsInt64()) continue;
      if (!notification) {
        notification = read_notification(orchestra::json::to_string(group["notification"]));
      }
      InboxItem item{recipient.value.GetInt64(), *notification, std::nullopt};
      for (const auto& stream : streams) {
        std::lock_guard sending(stream->mutex);
        if (item.id <= stream->last) continue;
        if (item.id == stream->last + 1) {
          stream->body->write(inbox_item_event(item));
          stream->last = item.id;
        } else {
          catch_up(*stream);
        }
      }
    }
  }
}

void StreamHub::catch_up(Stream& stream) {
  try {
    while (!stream.body->closed()) {
      auto items = inbox_.since(stream.user, stream.last, kCatchUpPage);
      for (const auto& item : items) {
        stream.body->write(inbox_item_event(item));
        stream.last = item.id;
      }
      if (items.size() < static_cast<std::size_t>(kCatchUpPage)) return;
    }
  } catch (const std::exception& error) {
    // The next resync tries again.
    log_->warn("stream of user {} could not read the inbox: {}", stream.user, error.what());
  }
}

void StreamHub::resync_all() {
  std::vector<std::shared_ptr<Stream>> streams;
  std::set<std::string> users;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [user, stream] : streams_) {
      streams.push_back(stream);
      users.insert(user);
    }
  }
  std::map<std::string, std::int64_t> newest;
  std::vector<std::string> chunk;
  auto flush = [&] {
    auto found = inbox_.last_ids(chunk);
    newest.insert(found.begin(), found.end());
    chunk.clear();
  };
  for (const auto& user : users) {
    chunk.push_back(user);
    if (chunk.size() == kUsersPerQuery) flush();
  }
  if (!chunk.empty()) flush();
  for (const auto& stream : streams) {
    std::lock_guard sending(stream->mutex);
    auto it = newest.find(stream->user);
    if (it != newest.end() && it->second > stream->last) catch_up(*stream);
  }
}

void StreamHub::run_resync(std::stop_token stop) {
  while (!stop.stop_requested()) {
    {
      std::unique_lock lock(resync_mutex_);
      wake_resync_.wait_for(lock, stop, resync_, [this] { return resync_requested_; });
      resync_requested_ = false;
    }
    if (stop.stop_requested()) return;
    try {
      resync_all();
    } catch (const std::exception& error) {
      log_->warn("stream resync failed: {}", error.what());
    }
  }
}

}  // namespace notifications
