#include "follower_store.hpp"

#include <orchestra/sql_query.hpp>

#include <orchestra/clock.hpp>

#include <set>

namespace notifications {
namespace {

using orchestra::db::SqlQuery;

using orchestra::db::int_at;
using orchestra::db::text_at;

constexpr const char* kPreferenceColumns =
    "u.user_id, u.time_zone, u.daily_enabled, u.daily_hour, u.weekly_enabled, "
    "u.weekly_weekday, u.weekly_hour, u.reminders, u.live_start, u.live_score, u.live_end";

Follower follower_from(const soci::row& row) {
  Follower follower;
  follower.user = text_at(row, 0);
  auto& p = follower.preferences;
  p.time_zone = text_at(row, 1);
  p.daily_enabled = int_at(row, 2) != 0;
  p.daily_hour = static_cast<int>(int_at(row, 3));
  p.weekly_enabled = int_at(row, 4) != 0;
  p.weekly_weekday = static_cast<int>(int_at(row, 5));
  p.weekly_hour = static_cast<int>(int_at(row, 6));
  p.reminders = parse_reminders(text_at(row, 7));
  p.live_start = int_at(row, 8) != 0;
  p.live_score = int_at(row, 9) != 0;
  p.live_end = int_at(row, 10) != 0;
  return follower;
}

SqlQuery bind_preferences(std::string sql, const std::string& user, const Preferences& p,
                          const NextDigests& next) {
  SqlQuery query(std::move(sql));
  query.text("user", user)
      .text("zone", p.time_zone)
      .integer("daily_enabled", p.daily_enabled)
      .integer("daily_hour", p.daily_hour)
      .integer("weekly_enabled", p.weekly_enabled)
      .integer("weekday", p.weekly_weekday)
      .integer("weekly_hour", p.weekly_hour)
      .text("reminders", reminders_text(p.reminders))
      .integer("live_start", p.live_start)
      .integer("live_score", p.live_score)
      .integer("live_end", p.live_end)
      // -1 stands for "never" only in the binding: SqlQuery binds no null.
      .integer("next_daily", next.daily.value_or(-1))
      .integer("next_weekly", next.weekly.value_or(-1));
  return query;
}

constexpr const char* kInsertUser =
    "INSERT INTO notification_users (user_id, time_zone, daily_enabled, daily_hour, "
    "weekly_enabled, weekly_weekday, weekly_hour, reminders, live_start, live_score, live_end, "
    "next_daily_at, next_weekly_at) VALUES (:user, :zone, :daily_enabled, :daily_hour, "
    ":weekly_enabled, :weekday, :weekly_hour, :reminders, :live_start, :live_score, :live_end, "
    "NULLIF(CAST(:next_daily AS BIGINT), -1), NULLIF(CAST(:next_weekly AS BIGINT), -1)) ON CONFLICT (user_id) ";

}  // namespace

std::string_view digest_name(DigestKind kind) {
  return kind == DigestKind::daily ? "daily" : "weekly";
}

Preferences FollowerStore::preferences(const std::string& user) {
  soci::session session(database_.pool());
  std::optional<Follower> found;
  SqlQuery(std::string("SELECT ") + kPreferenceColumns +
           " FROM notification_users u WHERE u.user_id = :user")
      .text("user", user)
      .each(session, [&](const soci::row& row) { found = follower_from(row); });
  return found ? found->preferences : Preferences{};
}

void FollowerStore::save_preferences(const std::string& user, const Preferences& preferences,
                                     const NextDigests& next) {
  soci::session session(database_.pool());
  bind_preferences(std::string(kInsertUser) +
                       "DO UPDATE SET time_zone = excluded.time_zone, "
                       "daily_enabled = excluded.daily_enabled, daily_hour = excluded.daily_hour, "
                       "weekly_enabled = excluded.weekly_enabled, "
                       "weekly_weekday = excluded.weekly_weekday, "
                       "weekly_hour = excluded.weekly_hour, reminders = excluded.reminders, "
                       "live_start = excluded.live_start, live_score = excluded.live_score, "
                       "live_end = excluded.live_end, next_daily_at = excluded.next_daily_at, "
                       "next_weekly_at = excluded.next_weekly_at",
                   user, preferences, next)
      .execute(session);
}

bool FollowerStore::follow(const std::string& user, std::int64_t team,
                           const NextDigests& defaults) {
  soci::session session(database_.pool());
  orchestra::db::WriteTransaction transaction(session, database_.dialect());
  bind_preferences(std::string(kInsertUser) + "DO NOTHING", user, Preferences{}, defaults)
      .execute(session);
  auto added = SqlQuery("INSERT INTO notification_follows (user_id, team_id, created_at) VALUES "
                        "(:user, :team, :now) ON CONFLICT (user_id, team_id) DO NOTHING")
                   .text("user", user)
                   .integer("team", team)
                   .integer("now", orchestra::unix_ms())
                   .execute(session);
  transaction.commit();
  return added > 0;
}

bool FollowerStore::unfollow(const std::string& user, std::int64_t team) {
  soci::session session(database_.pool());
  return SqlQuery("DELETE FROM notification_follows WHERE user_id = :user AND team_id = :team")
             .text("user", user)
             .integer("team", team)
             .execute(session) > 0;
}

std::vector<std::int64_t> FollowerStore::follows(const std::string& user) {
  soci::session session(database_.pool());
  std::vector<std::int64_t> teams;
  SqlQuery("SELECT team_id FROM notification_follows WHERE user_id = :user ORDER BY team_id")
      .text("user", user)
      .each(session, [&](const soci::row& row) { teams.push_back(int_at(row, 0)); });
  return teams;
}

std::map<std::string, std::vector<std::int64_t>> FollowerStore::follows_of(
    const std::vector<std::string>& users) {
  std::map<std::string, std::vector<std::int64_t>> out;
  if (users.empty()) return out;
  soci::session session(database_.pool());
  SqlQuery query("SELECT user_id, team_id FROM notification_follows WHERE user_id IN (");
  query.texts_in("u", users).append(")");
  query.each(session,
             [&](const soci::row& row) { out[text_at(row, 0)].push_back(int_at(row, 1)); });
  return out;
}

std::vector<Follower> FollowerStore::followers(const std::vector<std::int64_t>& teams,
                                               const std::string& after, int limit) {
  std::vector<Follower> out;
  if (teams.empty()) return out;
  soci::session session(database_.pool());
  SqlQuery query(std::string("SELECT ") + kPreferenceColumns +
                 " FROM notification_users u WHERE u.user_id > :after AND EXISTS (SELECT 1 "
                 "FROM notification_follows f WHERE f.user_id = u.user_id AND f.team_id IN (");
  query.integers_in("t", teams)
      .append(")) ORDER BY u.user_id LIMIT :limit")
      .text("after", after)
      .integer("limit", limit);
  query.each(session, [&](const soci::row& row) { out.push_back(follower_from(row)); });
  return out;
}

std::vector<int> FollowerStore::reminder_offsets(soci::session& session,
                                                const std::vector<std::int64_t>& teams) {
  std::set<int> offsets;
  SqlQuery query("SELECT DISTINCT u.reminders FROM notification_users u JOIN "
                 "notification_follows f ON f.user_id = u.user_id WHERE f.team_id IN (");
  query.integers_in("t", teams).append(")");
  query.each(session, [&](const soci::row& row) {
    for (int minutes : parse_reminders(text_at(row, 0))) offsets.insert(minutes);
  });
  return {offsets.begin(), offsets.end()};
}

std::vector<int> FollowerStore::all_reminder_offsets() {
  soci::session session(database_.pool());
  std::set<int> offsets;
  SqlQuery("SELECT DISTINCT reminders FROM notification_users").each(session, [&](const soci::row& row) {
    for (int minutes : parse_reminders(text_at(row, 0))) offsets.insert(minutes);
  });
  return {offsets.begin(), offsets.end()};
}

std::vector<Follower> FollowerStore::due(DigestKind kind, std::int64_t now, int limit) {
  auto column = kind == DigestKind::daily ? std::string("next_daily_at")
                                          : std::string("next_weekly_at");
  soci::session session(database_.pool());
  std::vector<Follower> out;
  SqlQuery(std::string("SELECT ") + kPreferenceColumns + " FROM notification_users u WHERE u." +
           column + " <= :now ORDER BY u." + column + ", u.user_id LIMIT :limit")
      .integer("now", now)
      .integer("limit", limit)
      .each(session, [&](const soci::row& row) { out.push_back(follower_from(row)); });
  return out;
}

void FollowerStore::set_next(soci::session& session, DigestKind kind, const std::string& user,
                             std::optional<std::int64_t> next_at) {
  auto column = kind == DigestKind::daily ? std::string("next_daily_at")
                                          : std::string("next_weekly_at");
  SqlQuery("UPDATE notification_users SET " + column +
           " = NULLIF(CAST(:next AS BIGINT), -1) WHERE user_id = :user")
      .integer("next", next_at.value_or(-1))
      .text("user", user)
      .execute(session);
}

}  // namespace notifications
