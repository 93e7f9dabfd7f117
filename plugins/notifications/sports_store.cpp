#include "sports_store.hpp"

#include <orchestra/sql_query.hpp>

#include <orchestra/clock.hpp>
#include <orchestra/http.hpp>
#include <orchestra/json.hpp>

#include <fmt/format.h>

#include <map>

namespace notifications {
namespace {

using orchestra::db::SqlQuery;

using orchestra::db::int_at;
using orchestra::db::optional_int_at;
using orchestra::db::optional_text_at;
using orchestra::db::text_at;
using orchestra::http::HttpError;

constexpr const char* kTeamColumns =
    "SELECT id, name, short_name, country, logo_url, created_at, updated_at "
    "FROM notification_teams ";
constexpr const char* kMatchColumns =
    "SELECT id, competition, home_team_id, away_team_id, starts_at, venue, status, home_score, "
    "away_score, version, created_at, updated_at FROM notification_matches ";

Team team_from(const soci::row& row) {
  return Team{int_at(row, 0),      text_at(row, 1),          text_at(row, 2),
              text_at(row, 3),     optional_text_at(row, 4), int_at(row, 5),
              int_at(row, 6)};
}

Match match_from(const soci::row& row) {
  Match match;
  match.id = int_at(row, 0);
  match.competition = text_at(row, 1);
  match.home_team_id = int_at(row, 2);
  match.away_team_id = int_at(row, 3);
  match.starts_at = int_at(row, 4);
  match.venue = optional_text_at(row, 5);
  match.status = text_at(row, 6);
  auto home = optional_int_at(row, 7), away = optional_int_at(row, 8);
  if (home && away) match.score = Score{static_cast<int>(*home), static_cast<int>(*away)};
  match.version = static_cast<int>(int_at(row, 9));
  match.created_at = int_at(row, 10);
  match.updated_at = int_at(row, 11);
  return match;
}

template <typename T>
std::vector<T> rows(soci::session& session, SqlQuery query, T (*from)(const soci::row&)) {
  std::vector<T> out;
  query.each(session, [&](const soci::row& row) { out.push_back(from(row)); });
  return out;
}

std::optional<Match> locked_match(soci::session& session, orchestra::db::Dialect dialect,
                                  std::int64_t id) {
  auto found = rows(session,
                    SqlQuery(std::string(kMatchColumns) + "WHERE id = :id" +
                             (dialect == orchestra::db::Dialect::postgres ? " FOR UPDATE" : ""))
                        .integer("id", id),
                    match_from);
  if (found.empty()) return std::nullopt;
  return found.front();
}

SqlQuery write_match(const std::string& sql, const Match& match) {
  SqlQuery query(sql);
  query.text("competition", match.competition)
      .integer("home", match.home_team_id)
      .integer("away", match.away_team_id)
      .integer("starts", match.starts_at)
      .text("status", match.status)
      .integer("version", match.version)
      .integer("updated", match.updated_at);
  return query;
}

// SOCI binds no null through the by-value maps; optional columns are
// written by a second statement.
void write_optional_columns(soci::session& session, const Match& match) {
  soci::indicator venue_null = match.venue ? soci::i_ok : soci::i_null;
  soci::indicator score_null = match.score ? soci::i_ok : soci::i_null;
  std::string venue = match.venue.value_or("");
  int home = match.score ? match.score->home : 0, away = match.score ? match.score->away : 0;
  long long id = match.id;
  session << "UPDATE notification_matches SET venue = :venue, home_score = :home, "
             "away_score = :away WHERE id = :id",
      soci::use(venue, venue_null), soci::use(home, score_null), soci::use(away, score_null),
      soci::use(id);
}

}  // namespace

Team SportsStore::create_team(Team team) {
  soci::session session(database_.pool());
  orchestra::db::WriteTransaction transaction(session, database_.dialect());
  team.created_at = team.updated_at = orchestra::unix_ms();
  soci::indicator logo_null = team.logo_url ? soci::i_ok : soci::i_null;
  std::string logo = team.logo_url.value_or("");
  long long id = 0, created = team.created_at;
  session << "INSERT INTO notification_teams (name, short_name, country, logo_url, created_at, "
             "updated_at) VALUES (:name, :short, :country, :logo, :created, :updated) "
             "RETURNING id",
      soci::use(team.name), soci::use(team.short_name), soci::use(team.country),
      soci::use(logo, logo_null), soci::use(created), soci::use(created), soci::into(id);
  team.id = id;
  publish_team(session, team);
  transaction.commit();
  return team;
}

std::optional<Team> SportsStore::team(std::int64_t id) {
  soci::session session(database_.pool());
  auto found =
      rows(session, SqlQuery(std::string(kTeamColumns) + "WHERE id = :id").integer("id", id),
           team_from);
  if (found.empty()) return std::nullopt;
  return found.front();
}

std::vector<Team> SportsStore::teams(std::optional<std::int64_t> after_id, int limit) {
  soci::session session(database_.pool());
  return rows(session,
              SqlQuery(std::string(kTeamColumns) + "WHERE id > :after ORDER BY id LIMIT :limit")
                  .integer("after", after_id.value_or(0))
                  .integer("limit", limit),
              team_from);
}

std::vector<Team> SportsStore::teams_by_id(const std::vector<std::int64_t>& ids) {
  if (ids.empty()) return {};
  soci::session session(database_.pool());
  SqlQuery query(std::string(kTeamColumns) + "WHERE id IN (");
  query.integers_in("t", ids).append(")");
  return rows(session, std::move(query), team_from);
}

bool SportsStore::update_team(const Team& team) {
  soci::session session(database_.pool());
  orchestra::db::WriteTransaction transaction(session, database_.dialect());
  soci::indicator logo_null = team.logo_url ? soci::i_ok : soci::i_null;
  std::string logo = team.logo_url.value_or("");
  long long id = team.id, updated = orchestra::unix_ms();
  soci::statement statement =
      (session.prepare << "UPDATE notification_teams SET name = :name, short_name = :short, "
                          "country = :country, logo_url = :logo, updated_at = :updated "
                          "WHERE id = :id",
       soci::use(team.name), soci::use(team.short_name), soci::use(team.country),
       soci::use(logo, logo_null), soci::use(updated), soci::use(id));
  if (orchestra::db::affected_rows(statement) == 0) return false;
  auto stored = team;
  stored.updated_at = updated;
  publish_team(session, stored);
  if (feed_ != nullptr) {
    // Match documents carry the team's name.
    auto played = rows(session,
                       SqlQuery(std::string(kMatchColumns) +
                                "WHERE home_team_id = :home OR away_team_id = :away "
                                // In one order: two renames sharing matches
                                // wait for each other's feed entries, not
                                // deadlock on them.
                                "ORDER BY id")
                           .integer("home", team.id)
                           .integer("away", team.id),
                       match_from);
    for (const auto& match : played) publish_match(session, match);
  }
  transaction.commit();
  return true;
}

bool SportsStore::delete_team(std::int64_t id) {
  soci::session session(database_.pool());
  orchestra::db::WriteTransaction transaction(session, database_.dialect());
  long long playing = 0, team_id = id;
  session << "SELECT COUNT(*) FROM notification_matches WHERE home_team_id = :home OR "
             "away_team_id = :away",
      soci::use(team_id), soci::use(team_id), soci::into(playing);
  if (playing > 0) {
    throw HttpError(409, fmt::format("the team plays in {} matches; delete those first", playing));
  }
  session << "DELETE FROM notification_follows WHERE team_id = :id", soci::use(team_id);
  auto removed = SqlQuery("DELETE FROM notification_teams WHERE id = :id")
                     .integer("id", id)
                     .execute(session);
  if (removed > 0 && feed_ != nullptr) feed_->remove(session, kTeamsSource, std::to_string(id));
  transaction.commit();
  return removed > 0;
}

void SportsStore::require_teams(soci::session& session, const Match& match) {
  for (auto id : {match.home_team_id, match.away_team_id}) {
    long long count = 0, team_id = id;
    session << "SELECT COUNT(*) FROM notification_teams WHERE id = :id", soci::use(team_id),
        soci::into(count);
    if (count == 0) throw HttpError(400, fmt::format("there is no team {}", id));
  }
}

MatchChange SportsStore::create_match(Match match, const AlsoInTransaction& also) {
  soci::session session(database_.pool());
  orchestra::db::WriteTransaction transaction(session, database_.dialect());
  require_teams(session, match);
  match.version = 1;
  match.created_at = match.updated_at = orchestra::unix_ms();
  long long id = 0;
  auto insert = write_match(
      "INSERT INTO notification_matches (competition, home_team_id, away_team_id, starts_at, "
      "status, version, created_at, updated_at) VALUES (:competition, :home, :away, :starts, "
      ":status, :version, :created, :updated) RETURNING id",
      match);
  insert.integer("created", match.created_at);
  insert.each(session, [&](const soci::row& row) { id = int_at(row, 0); });
  match.id = id;
  write_optional_columns(session, match);
  MatchChange change{Match{}, match, {}};
  change.before.status = "scheduled";
  change.events = record_events(session, change.before, match);
  publish_match(session, match);
  if (also) also(session, change);
  transaction.commit();
  return change;
}

std::optional<Match> SportsStore::match(std::int64_t id) {
  soci::session session(database_.pool());
  auto found = rows(
      session, SqlQuery(std::string(kMatchColumns) + "WHERE id = :id").integer("id", id),
      match_from);
  if (found.empty()) return std::nullopt;
  return found.front();
}

std::vector<Match> SportsStore::matches(const MatchFilter& filter) {
  SqlQuery query(std::string(kMatchColumns) + "WHERE 1 = 1");
  if (filter.team) {
    query.append(" AND (home_team_id = :team_h OR away_team_id = :team_a)")
        .integer("team_h", *filter.team)
        .integer("team_a", *filter.team);
  }
  if (filter.from) query.append(" AND starts_at >= :from").integer("from", *filter.from);
  if (filter.to) query.append(" AND starts_at < :to").integer("to", *filter.to);
  if (filter.status) query.append(" AND status = :status").text("status", *filter.status);
  if (filter.after) {
    query
        .append(" AND (starts_at > :after_start OR (starts_at = :same_start AND id > :after_id))")
        .integer("after_start", filter.after->first)
        .integer("same_start", filter.after->first)
        .integer("after_id", filter.after->second);
  }
  query.append(" ORDER BY starts_at, id LIMIT :limit").integer("limit", filter.limit);
  soci::session session(database_.pool());
  return rows(session, std::move(query), match_from);
}

std::vector<Match> SportsStore::matches_of(const std::vector<std::int64_t>& teams,
                                           std::int64_t from, std::int64_t to) {
  if (teams.empty()) return {};
  SqlQuery query(std::string(kMatchColumns) +
                 "WHERE starts_at >= :from AND starts_at < :to AND status = 'scheduled' AND "
                 "(home_team_id IN (");
  query.integers_in("h", teams).append(") OR away_team_id IN (").integers_in("a", teams);
  query.append(")) ORDER BY starts_at, id").integer("from", from).integer("to", to);
  soci::session session(database_.pool());
  return rows(session, std::move(query), match_from);
}

std::optional<MatchChange> SportsStore::update_match(
    std::int64_t id, const std::function<Match(const Match&)>& change,
    const AlsoInTransaction& also) {
  soci::session session(database_.pool());
  orchestra::db::WriteTransaction transaction(session, database_.dialect());
  auto before = locked_match(session, database_.dialect(), id);
  if (!before) return std::nullopt;
  auto after = change(*before);
  after.id = id;
  after.created_at = before->created_at;
  after.version = before->version + 1;
  after.updated_at = orchestra::unix_ms();
  if (after.home_team_id != before->home_team_id || after.away_team_id != before->away_team_id) {
    require_teams(session, after);
  }
  write_match(
      "UPDATE notification_matches SET competition = :competition, home_team_id = :home, "
      "away_team_id = :away, starts_at = :starts, status = :status, version = :version, "
      "updated_at = :updated WHERE id = :id",
      after)
      .integer("id", id)
      .execute(session);
  write_optional_columns(session, after);
  MatchChange result{*before, after, record_events(session, *before, after)};
  publish_match(session, after);
  if (also) also(session, result);
  transaction.commit();
  return result;
}

std::optional<Match> SportsStore::delete_match(std::int64_t id) {
  soci::session session(database_.pool());
  orchestra::db::WriteTransaction transaction(session, database_.dialect());
  auto before = locked_match(session, database_.dialect(), id);
  if (!before) return std::nullopt;
  SqlQuery("DELETE FROM notification_matches WHERE id = :id").integer("id", id).execute(session);
  if (feed_ != nullptr) feed_->remove(session, kMatchesSource, std::to_string(id));
  transaction.commit();
  return before;
}

void SportsStore::publish_team(soci::session& session, const Team& team) {
  if (feed_ != nullptr) feed_->publish(session, kTeamsSource, std::to_string(team.id), team_json(team));
}

void SportsStore::publish_match(soci::session& session, const Match& match) {
  if (feed_ == nullptr) return;
  std::map<std::int64_t, std::string> names;
  SqlQuery("SELECT id, name FROM notification_teams WHERE id IN (:home, :away)")
      .integer("home", match.home_team_id)
      .integer("away", match.away_team_id)
      .each(session, [&](const soci::row& row) { names[int_at(row, 0)] = text_at(row, 1); });
  auto document = match_json(match);
  document.pop_back();  // the closing brace: the names follow
  document += fmt::format(R"(,"home_team":{},"away_team":{}}})",
                          orchestra::json::quote(names[match.home_team_id]),
                          orchestra::json::quote(names[match.away_team_id]));
  feed_->publish(session, kMatchesSource, std::to_string(match.id), document);
}

std::vector<LiveEvent> SportsStore::record_events(soci::session& session, const Match& before,
                                                  const Match& after) {
  std::vector<LiveEvent> events;
  auto payload = match_json(after);
  for (const auto& kind : live_changes(before, after)) {
    LiveEvent event{0, after.id, after.version, kind, payload};
    SqlQuery("INSERT INTO notification_events (match_id, version, kind, payload, created_at) "
             "VALUES (:match, :version, :kind, :payload, :now) RETURNING id")
        .integer("match", after.id)
        .integer("version", after.version)
        .text("kind", kind)
        .text("payload", payload)
        .integer("now", orchestra::unix_ms())
        .each(session, [&](const soci::row& row) { event.id = int_at(row, 0); });
    events.push_back(std::move(event));
  }
  return events;
}

std::optional<LiveEvent> SportsStore::event(std::int64_t id) {
  soci::session session(database_.pool());
  std::optional<LiveEvent> found;
  SqlQuery("SELECT id, match_id, version, kind, payload FROM notification_events WHERE id = :id")
      .integer("id", id)
      .each(session, [&](const soci::row& row) {
        found = LiveEvent{int_at(row, 0), int_at(row, 1), static_cast<int>(int_at(row, 2)),
                          text_at(row, 3), text_at(row, 4)};
      });
  return found;
}

void SportsStore::record_batches(soci::session& session, std::int64_t event_id, int batches) {
  for (int batch = 0; batch < batches; ++batch) {
    SqlQuery("INSERT INTO notification_event_batches (event_id, batch) VALUES (:event, :batch) "
             "ON CONFLICT (event_id, batch) DO NOTHING")
        .integer("event", event_id)
        .integer("batch", batch)
        .execute(session);
  }
  SqlQuery("DELETE FROM notification_event_batches WHERE event_id = :event AND batch >= :count")
      .integer("event", event_id)
      .integer("count", batches)
      .execute(session);
}

void SportsStore::mark_fanned_out(soci::session& session, std::int64_t event_id) {
  SqlQuery("UPDATE notification_events SET fanned_out_at = :now WHERE id = :id")
      .integer("now", orchestra::unix_ms())
      .integer("id", event_id)
      .execute(session);
}

void SportsStore::batch_done(soci::session& session, std::int64_t event_id, int batch) {
  SqlQuery("DELETE FROM notification_event_batches WHERE event_id = :event AND batch = :batch")
      .integer("event", event_id)
      .integer("batch", batch)
      .execute(session);
}

bool SportsStore::earlier_pending(std::int64_t match_id, std::int64_t event_id) {
  soci::session session(database_.pool());
  bool pending = false;
  SqlQuery("SELECT 1 FROM notification_events e WHERE e.match_id = :match AND e.id < :event AND "
           "(e.fanned_out_at IS NULL OR EXISTS (SELECT 1 FROM notification_event_batches b "
           "WHERE b.event_id = e.id)) LIMIT 1")
      .integer("match", match_id)
      .integer("event", event_id)
      .each(session, [&](const soci::row&) { pending = true; });
  return pending;
}

std::vector<std::int64_t> SportsStore::stalled_events(std::int64_t before, int limit) {
  return event_ids("SELECT id FROM notification_events WHERE fanned_out_at IS NULL AND "
                   "created_at < :before ORDER BY id LIMIT :limit",
                   before, limit);
}

std::vector<std::int64_t> SportsStore::unfinished_events(std::int64_t before, int limit) {
  return event_ids("SELECT DISTINCT e.id FROM notification_event_batches b JOIN "
                   "notification_events e ON e.id = b.event_id WHERE e.fanned_out_at < :before "
                   "ORDER BY e.id LIMIT :limit",
                   before, limit);
}

std::vector<std::int64_t> SportsStore::event_ids(const char* sql, std::int64_t before, int limit) {
  soci::session session(database_.pool());
  std::vector<std::int64_t> ids;
  SqlQuery(sql)
      .integer("before", before)
      .integer("limit", limit)
      .each(session, [&](const soci::row& row) { ids.push_back(int_at(row, 0)); });
  return ids;
}

}  // namespace notifications
