#pragma once
// Who follows which team, what each user prefers and when each user's next
// digests are due.

#include "preferences.hpp"

#include <orchestra/db.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace notifications {

enum class DigestKind { daily, weekly };
std::string_view digest_name(DigestKind kind);

// When a user's next digests fire (Unix ms); nullopt when disabled.
struct NextDigests {
  std::optional<std::int64_t> daily;
  std::optional<std::int64_t> weekly;
};

struct Follower {
  std::string user;
  Preferences preferences;
};

class FollowerStore {
 public:
  explicit FollowerStore(orchestra::db::Database& database) : database_(database) {}

  // The defaults for a user never seen.
  Preferences preferences(const std::string& user);
  void save_preferences(const std::string& user, const Preferences& preferences,
                        const NextDigests& next);
  // Creates the user with default preferences if unknown, then follows;
  // false when the follow existed.
  bool follow(const std::string& user, std::int64_t team, const NextDigests& defaults);
  bool unfollow(const std::string& user, std::int64_t team);
  std::vector<std::int64_t> follows(const std::string& user);
  std::map<std::string, std::vector<std::int64_t>> follows_of(
      const std::vector<std::string>& users);

  // Users following any of `teams`, each once, by user id after `after`.
  std::vector<Follower> followers(const std::vector<std::int64_t>& teams,
                                  const std::string& after, int limit);

  // Every reminder offset (minutes) a follower of `teams` asked for, read
  // on `session` (inside the caller's transaction).
  std::vector<int> reminder_offsets(soci::session& session, const std::vector<std::int64_t>& teams);

  // Every reminder offset any user asked for.
  std::vector<int> all_reminder_offsets();

  // Users whose `kind` digest was due at or before `now`, soonest first.
  std::vector<Follower> due(DigestKind kind, std::int64_t now, int limit);
  void set_next(soci::session& session, DigestKind kind, const std::string& user,
                std::optional<std::int64_t> next_at);

 private:
  orchestra::db::Database& database_;
};

}  // namespace notifications
