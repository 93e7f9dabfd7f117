#pragma once
// Teams and matches in the database. A change of a match bumps its version
// and records its live events (status and score changes) in the same
// transaction, so none is lost between the change and its notification.

#include "sports.hpp"

#include <orchestra/changes.hpp>
#include <orchestra/db.hpp>

#include <functional>
#include <optional>
#include <vector>

namespace notifications {

struct MatchFilter {
  std::optional<std::int64_t> team;
  std::optional<std::int64_t> from;  // starts_at >= from
  std::optional<std::int64_t> to;    // starts_at < to
  std::optional<std::string> status;
  std::optional<std::pair<std::int64_t, std::int64_t>> after;  // (starts_at, id) cursor
  int limit = 50;
};

struct LiveEvent {
  std::int64_t id = 0;
  std::int64_t match_id = 0;
  int version = 0;
  std::string kind;     // start, score, end
  std::string payload;  // the match as JSON, as it was after the change
};

struct MatchChange {
  Match before;
  Match after;
  std::vector<LiveEvent> events;
};

// Runs inside the transaction of a change, after it: enqueue tasks there.
using AlsoInTransaction = std::function<void(soci::session&, const MatchChange&)>;

inline constexpr const char* kTeamsSource = "notifications.teams";
inline constexpr const char* kMatchesSource = "notifications.matches";

// With a change feed, every change of a team or match is published in its
// transaction: teams as team_json, matches as match_json with the names of
// both teams (`home_team`, `away_team`).
class SportsStore {
 public:
  explicit SportsStore(orchestra::db::Database& database,
                       orchestra::changes::ChangeFeed* feed = nullptr)
      : database_(database), feed_(feed) {}

  Team create_team(Team team);
  std::optional<Team> team(std::int64_t id);
  std::vector<Team> teams(std::optional<std::int64_t> after_id, int limit);
  std::vector<Team> teams_by_id(const std::vector<std::int64_t>& ids);
  // False when there is no such team.
  bool update_team(const Team& team);
  // Throws HttpError 409 while matches refer to the team.
  bool delete_team(std::int64_t id);

  // Throws HttpError 400 when a team does not exist.
  MatchChange create_match(Match match, const AlsoInTransaction& also);
  std::optional<Match> match(std::int64_t id);
  std::vector<Match> matches(const MatchFilter& filter);
  // Matches of `teams` starting in [from, to), by start.
  std::vector<Match> matches_of(const std::vector<std::int64_t>& teams, std::int64_t from,
                                std::int64_t to);
  // Applies `change` to the current match under its row lock; nullopt when
  // there is no such match.
  std::optional<MatchChange> update_match(std::int64_t id,
                                          const std::function<Match(const Match&)>& change,
                                          const AlsoInTransaction& also);
  std::optional<Match> delete_match(std::int64_t id);

  std::optional<LiveEvent> event(std::int64_t id);
  // The event's fan-out is about to queue `batches` delivery batches,
  // numbered from 0; batches a former run of it recorded beyond them are
  // dropped (the followers changed in between).
  void record_batches(soci::session& session, std::int64_t event_id, int batches);
  // Its batches are queued.
  void mark_fanned_out(soci::session& session, std::int64_t event_id);
  void batch_done(soci::session& session, std::int64_t event_id, int batch);
  // Whether an earlier event of the match is not yet fanned out or still
  // has batches to deliver.
  bool earlier_pending(std::int64_t match_id, std::int64_t event_id);
  // Events recorded before `before` whose fan-out never started.
  std::vector<std::int64_t> stalled_events(std::int64_t before, int limit);
  // Events fanned out before `before` with batches still on record: one
  // whose task died, or whose record a repeated fan-out brought back
  // while the batch's first task was finishing.
  std::vector<std::int64_t> unfinished_events(std::int64_t before, int limit);

 private:
  // The ids `sql` selects given :before and :limit.
  std::vector<std::int64_t> event_ids(const char* sql, std::int64_t before, int limit);
  void require_teams(soci::session& session, const Match& match);
  void publish_team(soci::session& session, const Team& team);
  void publish_match(soci::session& session, const Match& match);
  std::vector<LiveEvent> record_events(soci::session& session, const Match& before,
                                       const Match& after);

  orchestra::db::Database& database_;
  orchestra::changes::ChangeFeed* feed_;
};

}  // namespace notifications
