#pragma once
// Each user's inbox. Items are numbered per user under the lock of the
// user's row, so they commit in the order of their numbers and without
// gaps: a reader that saw item n and then item n + 2 knows n + 1 exists.

#include "notification.hpp"

#include <orchestra/db.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace notifications {

struct Delivered {
  std::string user;
  std::int64_t id = 0;
};

class InboxStore {
 public:
  explicit InboxStore(orchestra::db::Database& database) : database_(database) {}

  // Inside the caller's write transaction: adds `notification` to each
  // user's inbox unless they have one with its key; returns the new items.
  std::vector<Delivered> append(soci::session& session, const std::vector<std::string>& users,
                                const Notification& notification);

  // Newest first, ids below `before` when given.
  std::vector<InboxItem> list(const std::string& user, bool unread_only,
                              std::optional<std::int64_t> before, int limit);
  // Oldest first, ids above `after`.
  std::vector<InboxItem> since(const std::string& user, std::int64_t after, int limit);
  // The number of items newly marked read.
  long long mark_read(const std::string& user, const std::vector<std::int64_t>& ids);
  long long mark_read_up_to(const std::string& user, std::int64_t id);
  // The newest id of each user's inbox (0 when empty); users unknown here
  // are left out.
  std::map<std::string, std::int64_t> last_ids(const std::vector<std::string>& users);

 private:
  orchestra::db::Database& database_;
};

}  // namespace notifications
