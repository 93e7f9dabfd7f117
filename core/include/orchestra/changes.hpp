#pragma once
// The change feed (DESIGN.md §6b): plugins publish the documents others
// may follow (to index, to notify) in the same database transaction as the
// change itself, so a change and its entry exist together or not at all.
// Consumers read the feed in order from a position they keep, and never
// miss an entry however transactions commit: on PostgreSQL only entries of
// transactions older than the oldest still in progress are read, ordered
// by transaction and then position; on SQLite writers take turns. The feed
// keeps only each document's latest entry (removals included): a consumer
// behind gets final states, one reading from the start gets a snapshot of
// the source, which is how a consumer rebuilds what it keeps. So on
// PostgreSQL a reader lags behind the oldest write transaction in progress
// anywhere in the cluster: keep write transactions short.

#include <boost/config.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace soci {
class session;
}

namespace orchestra::changes {

// Where a consumer stands in the feed: after every entry up to this one.
// Its text form ("<transaction>.<sequence>") is what consumers store.
struct FeedPosition {
  std::int64_t transaction = 0;
  std::int64_t sequence = 0;
  std::string text() const;
  // Throws std::invalid_argument when `text` is not one.
  static FeedPosition parse(const std::string& text);
  auto operator<=>(const FeedPosition&) const = default;
};

struct Change {
  FeedPosition position;
  std::string source;  // e.g. "steam-sync.apps"
  std::string key;     // the document's id within its source
  std::optional<std::string> document;  // JSON; nullopt: removed
  std::int64_t created_at = 0;          // Unix ms
};

// How far a consumer is behind: entries it can read after its position,
// and when the oldest of them was written (Unix ms).
struct FeedLag {
  std::int64_t changes = 0;
  std::optional<std::int64_t> oldest_at;
};

class BOOST_SYMBOL_VISIBLE ChangeFeed {
 public:
  virtual ~ChangeFeed() = default;
  // Inside the caller's open write transaction on `session` (a session of
  // host.db()): the entry exists if and only if that transaction commits.
  virtual void publish(soci::session& session, const std::string& source,
                       const std::string& key, const std::string& document) = 0;
  virtual void remove(soci::session& session, const std::string& source,
                      const std::string& key) = 0;
  // Entries of `source` after `after`, in order, at most `limit`; only
  // entries no earlier-positioned entry can still join.
  virtual std::vector<Change> read(const std::string& source, const FeedPosition& after,
                                   int limit) = 0;
  // What read() would give from `after`, counted.
  virtual FeedLag lag(const std::string& source, const FeedPosition& after) = 0;
};

}  // namespace orchestra::changes
