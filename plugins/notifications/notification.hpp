#pragma once
// One notification as it is delivered: the same for every recipient, who
// each get it once under `key` with an inbox id of their own.

#include <cstdint>
#include <optional>
#include <string>

namespace notifications {

struct Notification {
  std::string kind;   // digest.daily, digest.weekly, reminder, match.started, match.score, match.ended
  std::string key;    // what it is about; a user gets one notification per key
  std::string title;
  std::string data;   // JSON
  std::int64_t created_at = 0;
};

// A notification in one user's inbox.
struct InboxItem {
  std::int64_t id = 0;  // the user's own sequence number: 1, 2, 3, ...
  Notification notification;
  std::optional<std::int64_t> read_at;
};

// The item as the inbox and the stream show it.
std::string inbox_item_json(const InboxItem& item);
// The item as one Server-Sent Event, with its id.
std::string inbox_item_event(const InboxItem& item);

// Notifications travel inside task payloads and events as JSON.
std::string notification_json(const Notification& notification);
// Throws std::invalid_argument when `json` is not one.
Notification read_notification(const std::string& json);

}  // namespace notifications
