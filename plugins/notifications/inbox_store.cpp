#include "inbox_store.hpp"

#include <orchestra/sql_query.hpp>

#include <orchestra/clock.hpp>

namespace notifications {
namespace {

using orchestra::db::SqlQuery;

using orchestra::db::int_at;
using orchestra::db::optional_int_at;
using orchestra::db::text_at;

constexpr const char* kItemColumns =
    "SELECT seq, kind, dedupe_key, title, data, created_at, read_at FROM notification_inbox ";

InboxItem item_from(const soci::row& row) {
  return InboxItem{int_at(row, 0),
                   Notification{text_at(row, 1), text_at(row, 2), text_at(row, 3),
                                text_at(row, 4), int_at(row, 5)},
                   optional_int_at(row, 6)};
}

}  // namespace

std::vector<Delivered> InboxStore::append(soci::session& session,
                                          const std::vector<std::string>& users,
                                          const Notification& n) {
  std::string user;
  long long seq = 0, created = n.created_at;
  soci::indicator seq_found = soci::i_null;
  // Statements prepared once for the whole batch; the values bound by
  // reference change per user.
  soci::statement next =
      (session.prepare << "UPDATE notification_users SET last_seq = last_seq + 1 "
                          "WHERE user_id = :user RETURNING last_seq",
       soci::use(user), soci::into(seq, seq_found));
  soci::statement insert =
      (session.prepare << "INSERT INTO notification_inbox (user_id, seq, kind, dedupe_key, "
                          "title, data, created_at) VALUES (:user, :seq, :kind, :key, :title, "
                          ":data, :created) ON CONFLICT (user_id, dedupe_key) DO NOTHING",
       soci::use(user), soci::use(seq), soci::use(n.kind), soci::use(n.key), soci::use(n.title),
       soci::use(n.data), soci::use(created));
  soci::statement undo = (session.prepare << "UPDATE notification_users SET last_seq = "
                                             "last_seq - 1 WHERE user_id = :user",
                          soci::use(user));
  std::vector<Delivered> delivered;
  for (const auto& recipient : users) {
    user = recipient;
    seq_found = soci::i_null;
    if (!next.execute(true) || seq_found != soci::i_ok) continue;  // not a known user
    insert.execute(true);
    if (insert.get_affected_rows() > 0) {
      delivered.push_back(Delivered{recipient, seq});
    } else {
      // Already delivered: give the number back, under the row lock still
      // held, so the sequence stays without gaps.
      undo.execute(true);
    }
  }
  return delivered;
}

std::vector<InboxItem> InboxStore::list(const std::string& user, bool unread_only,
                                        std::optional<std::int64_t> before, int limit) {
  SqlQuery query(std::string(kItemColumns) + "WHERE user_id = :user AND seq < :before");
  if (unread_only) query.append(" AND read_at IS NULL");
  query.append(" ORDER BY seq DESC LIMIT :limit")
      .text("user", user)
      .integer("before", before.value_or(INT64_MAX))
      .integer("limit", limit);
  soci::session session(database_.pool());
  std::vector<InboxItem> out;
  query.each(session, [&](const soci::row& row) { out.push_back(item_from(row)); });
  return out;
}

std::vector<InboxItem> InboxStore::since(const std::string& user, std::int64_t after,
                                         int limit) {
  soci::session session(database_.pool());
  std::vector<InboxItem> out;
  SqlQuery(std::string(kItemColumns) +
           "WHERE user_id = :user AND seq > :after ORDER BY seq LIMIT :limit")
      .text("user", user)
      .integer("after", after)
      .integer("limit", limit)
      .each(session, [&](const soci::row& row) { out.push_back(item_from(row)); });
  return out;
}

long long InboxStore::mark_read(const std::string& user, const std::vector<std::int64_t>& ids) {
  if (ids.empty()) return 0;
  soci::session session(database_.pool());
  SqlQuery query("UPDATE notification_inbox SET read_at = :now WHERE user_id = :user AND "
                 "read_at IS NULL AND seq IN (");
  query.integers_in("i", ids).append(")").text("user", user).integer("now", orchestra::unix_ms());
  return query.execute(session);
}

long long InboxStore::mark_read_up_to(const std::string& user, std::int64_t id) {
  soci::session session(database_.pool());
  return SqlQuery("UPDATE notification_inbox SET read_at = :now WHERE user_id = :user AND "
                  "read_at IS NULL AND seq <= :id")
      .text("user", user)
      .integer("id", id)
      .integer("now", orchestra::unix_ms())
      .execute(session);
}

std::map<std::string, std::int64_t> InboxStore::last_ids(const std::vector<std::string>& users) {
  std::map<std::string, std::int64_t> out;
  if (users.empty()) return out;
  soci::session session(database_.pool());
  SqlQuery query("SELECT user_id, last_seq FROM notification_users WHERE user_id IN (");
  query.texts_in("u", users).append(")");
  query.each(session, [&](const soci::row& row) { out[text_at(row, 0)] = int_at(row, 1); });
  return out;
}

}  // namespace notifications
