#pragma once
// What followers hear about matches: live events (kick-off, score, full
// time) fanned out to every follower who wants them, and reminders before
// kick-off. A fan-out lists the followers, records their delivery
// batches, then queues them in one transaction with the mark that it
// happened (a crash in between leaves the event to the sweep, which runs
// its fan-out again).
//
// Reminders are one delayed task per match version and offset, fanning
// out when it fires; a change of the match queues new ones for its new
// version, and a reminder of an older version does nothing when it fires.
//
// Followers hear a match's live events in order: each delivery batch of an
// event waits until the match's earlier events are fanned out and their
// batches delivered (for at most 30 s after its own fan-out, so a dead
// batch holds nothing up for long).

#include "follower_store.hpp"
#include "notifier.hpp"
#include "pending_tasks.hpp"
#include "sports_store.hpp"

namespace notifications {

inline constexpr const char* kFanOutType = "notifications.fan_out";
inline constexpr const char* kRemindType = "notifications.remind";

class MatchNotices {
 public:
  MatchNotices(orchestra::db::Database& database, orchestra::tasks::Tasks& tasks,
               SportsStore& sports, FollowerStore& followers, Notifier& notifier)
      : database_(database),
        tasks_(tasks),
        sports_(sports),
        followers_(followers),
        notifier_(notifier) {}

  // Inside the transaction of a match change: the fan-out of its live
  // events and the reminders of its new version.
  void on_change(soci::session& session, const MatchChange& change, PendingTasks& pending);
  // Reminders of upcoming matches of `teams` for one user's offsets (after
  // a follow or a change of preferences).
  void remind_user(const std::vector<std::int64_t>& teams, const std::vector<int>& offsets);

  // Queues (again) every reminder due in the next `window`: one whose task
  // was lost (a crash between a commit and its enqueue) is queued before
  // its time; one still queued is not queued twice.
  std::size_t requeue_reminders(std::int64_t now, std::int64_t window_ms);

  // Runs again the fan-out of every event before `before` that never
  // started one (a crash between a match change and its enqueue) or still
  // has batches on record (a batch whose task died); the number queued.
  // A repeated fan-out delivers only what its followers do not have.
  std::size_t requeue_unfinished(std::int64_t before);

  static orchestra::tasks::NewTask fan_out_task(std::int64_t event_id);
  std::string fan_out(std::int64_t event_id);
  std::string remind(std::int64_t match_id, int version, int minutes);
  // Delivers a batch; one of a live event waits (without a thread) while
  // an earlier event of its match is still on its way.
  orchestra::tasks::Step deliver(const Recipients& batch, orchestra::tasks::TaskContext& context);

 private:
  static std::optional<orchestra::tasks::NewTask> reminder_task(const Match& match, int minutes);
  void queue_batches(std::int64_t event_id, std::vector<orchestra::tasks::NewTask> batches);
  // Followers of the match's teams for whom `wanted` holds.
  std::vector<std::string> followers_of(const Match& match,
                                        const std::function<bool(const Preferences&)>& wanted);
  std::string describe(const Match& match) const;

  orchestra::db::Database& database_;
  orchestra::tasks::Tasks& tasks_;
  SportsStore& sports_;
  FollowerStore& followers_;
  Notifier& notifier_;
};

}  // namespace notifications
