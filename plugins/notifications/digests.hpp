#pragma once
// Daily and weekly digests: the scheduled matches of the teams a user
// follows in the 24 hours (7 days) after the digest's firing, at the local
// hour (and weekday) the user chose.
//
// A tick task (every 30 s by default) finds the users whose digest is due,
// queues them in batches, each user with the period due (the latest firing
// not after now: after downtime, only the most recent missed period is
// sent) and moves their next firing on. A batch task builds and delivers
// the digests; the inbox key "digest:<kind>:<period>" makes it exactly one
// per user and period, however often a batch runs. An empty digest is not
// sent.

#include "follower_store.hpp"
#include "notifier.hpp"
#include "sports_store.hpp"

namespace notifications {

inline constexpr const char* kDigestTickType = "notifications.digest_tick";
inline constexpr const char* kDigestType = "notifications.digest";

// The next firings after `now` of the digests `preferences` enable;
// throws std::invalid_argument for an unknown time zone.
NextDigests next_digests(const Preferences& preferences, std::int64_t now);
// The same after a change of preferences or follows: a firing of the last
// few minutes counts as still to come, so saving at 08:00:10 does not skip
// the 08:00 digest the tick has not sent yet (the inbox keeps it from
// being sent twice if it had).
NextDigests next_digests_after_change(const Preferences& preferences, std::int64_t now);

class Digests {
 public:
  Digests(orchestra::db::Database& database, orchestra::tasks::Tasks& tasks,
          SportsStore& sports, FollowerStore& followers, Notifier& notifier,
          const Settings& settings)
      : database_(database),
        tasks_(tasks),
        sports_(sports),
        followers_(followers),
        notifier_(notifier),
        settings_(settings) {}

  // Queues the batches of every user due at `now`; JSON counts.
  std::string tick(std::int64_t now);
  std::string run_batch(const std::string& payload);

 private:
  std::size_t queue_due(DigestKind kind, std::int64_t now);

  orchestra::db::Database& database_;
  orchestra::tasks::Tasks& tasks_;
  SportsStore& sports_;
  FollowerStore& followers_;
  Notifier& notifier_;
  const Settings& settings_;
};

}  // namespace notifications
