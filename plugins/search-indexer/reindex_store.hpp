#pragma once
// A reindex of one source: its documents rebuilt beside the index from a
// snapshot of the feed (the feed keeps each document's latest entry), then
// switched in by one transaction, so searches answer from the old
// documents until the new ones are all there. Methods that take a session
// run inside the caller's transaction; the conditional ones return false
// when another run got there first (the caller rolls back).

#include <orchestra/changes.hpp>
#include <orchestra/db.hpp>

#include <optional>
#include <string>
#include <vector>

namespace search_indexer {

struct ReindexStatus {
  std::string source;
  std::string state;     // building, ready, switched or failed
  std::string position;  // the feed position read up to
  std::int64_t built = 0;
  std::int64_t requested_at = 0;
  std::optional<std::int64_t> finished_at;
  std::optional<std::string> error;
};

// A rebuilt document: its search document payload, or nullopt once removed.
struct RebuiltDocument {
  std::string key;
  orchestra::changes::FeedPosition position;
  std::optional<std::string> payload;
};

class ReindexStore {
 public:
  explicit ReindexStore(orchestra::db::Database& database) : database_(database) {}

  // Starts rebuilding `source` from the start of the feed, unless a
  // rebuild is under way already; the rebuild's status either way.
  ReindexStatus request(const std::string& source);
  std::optional<ReindexStatus> status(const std::string& source);
  std::vector<std::string> building();

  // Adds what was read from the feed between `from` and `to`.
  bool add(soci::session& session, const std::string& source,
           const orchestra::changes::FeedPosition& from,
           const orchestra::changes::FeedPosition& to,
           const std::vector<RebuiltDocument>& documents);
  // Caught up with the feed at `at`: the rebuild waits for its switch.
  bool mark_ready(const std::string& source, const orchestra::changes::FeedPosition& at);
  // Rebuilt documents in key order after `after_key`, at most `limit`.
  std::vector<RebuiltDocument> documents(soci::session& session, const std::string& source,
                                         const std::string& after_key, int limit);
  // Marks a ready rebuild switched and drops its documents.
  bool finish(soci::session& session, const std::string& source);
  // A switch that could not write: the next load tries again, until the
  // `attempts`-th failure marks the rebuild failed.
  void switch_failed(const std::string& source, const std::string& error, int attempts);

 private:
  orchestra::db::Database& database_;
};

}  // namespace search_indexer
