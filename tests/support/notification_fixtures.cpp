#include "support/notification_fixtures.hpp"

#include <orchestra/clock.hpp>

#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

namespace orchestra::testing {

void insert_followers(const std::filesystem::path& database, const FollowerFixture& fixture) {
  soci::session session(soci::sqlite3, database.string());
  soci::transaction transaction(session);
  std::string user;
  int live_start = fixture.live_start ? 1 : 0;
  long long team = 0;
  soci::statement add_user =
      (session.prepare << "INSERT INTO notification_users (user_id, time_zone, daily_enabled, "
                          "daily_hour, weekly_enabled, weekly_weekday, weekly_hour, reminders, "
                          "live_start, live_score, live_end) VALUES (:user, 'UTC', 1, :hour, 0, "
                          "1, 8, '[]', :start, 1, 1)",
       soci::use(user), soci::use(fixture.daily_hour), soci::use(live_start));
  soci::statement follow =
      (session.prepare << "INSERT INTO notification_follows (user_id, team_id, created_at) "
                          "VALUES (:user, :team, 0)",
       soci::use(user), soci::use(team));
  auto size = static_cast<int>(fixture.teams.size());
  for (int i = 0; i < fixture.users; ++i) {
    user = fixture.user_prefix + std::to_string(i);
    add_user.execute(true);
    for (int k = 0; k < fixture.per_user && k < size; ++k) {
      team = fixture.teams[static_cast<std::size_t>((i + k) % size)];
      follow.execute(true);
    }
  }
  transaction.commit();
}

void make_digests_due(const std::filesystem::path& database) {
  soci::session session(soci::sqlite3, database.string());
  session << "UPDATE notification_users SET next_daily_at = :due",
      soci::use(static_cast<long long>(unix_ms() - 1000));
}

long long inbox_count(const std::filesystem::path& database, const std::string& kind) {
  soci::session session(soci::sqlite3, database.string());
  long long count = 0;
  session << "SELECT COUNT(*) FROM notification_inbox WHERE kind = :kind", soci::use(kind),
      soci::into(count);
  return count;
}

}  // namespace orchestra::testing
