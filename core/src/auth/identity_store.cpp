#include "auth/identity_store.hpp"

#include "auth/encoding.hpp"
#include "auth/scopes.hpp"
#include <orchestra/db.hpp>
#include <orchestra/db.hpp>
#include "tasks/task_id.hpp"

#include <orchestra/clock.hpp>
#include <algorithm>
#include <cctype>

namespace orchestra::auth {
namespace {

using db::int_at;
using db::optional_int_at;
using db::text_at;

// Expired refresh tokens are kept this long after expiry, so a late reuse
// is still recognised as reuse rather than as an unknown token.
constexpr std::int64_t kExpiredTokenKeepMs = 24LL * 3'600'000;
constexpr int kScopeChangeAttempts = 100;

constexpr const char* kUserColumns = "SELECT id, login, password_hash, scopes, created_at FROM users";
constexpr const char* kServiceTokenColumns =
    "SELECT id, name, scopes, created_at, expires_at FROM service_tokens";

std::string login_key(std::string login) {
  std::transform(login.begin(), login.end(), login.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return login;
}

UserRecord user_from(const soci::row& row) {
  return UserRecord{text_at(row, 0), text_at(row, 1), text_at(row, 2),
                    split_scopes(text_at(row, 3)), int_at(row, 4)};
}

ServiceTokenRecord service_token_from(const soci::row& row) {
  return ServiceTokenRecord{text_at(row, 0), text_at(row, 1), split_scopes(text_at(row, 2)),
                            int_at(row, 3), optional_int_at(row, 4)};
}

std::optional<UserRecord> one_user(soci::session& session, const std::string& where,
                                   const std::string& value) {
  soci::rowset<soci::row> rows =
      (session.prepare << std::string(kUserColumns) + " WHERE " + where, soci::use(value));
  for (const auto& row : rows) return user_from(row);
  return std::nullopt;
}

}  // namespace

IdentityStore::IdentityStore(db::Database& database) : database_(database) {}

std::optional<std::string> IdentityStore::create_user(const std::string& login,
                                                      const std::string& password_hash,
                                                      const std::vector<std::string>& scopes) {
  soci::session session(database_.pool());
  auto id = tasks::new_task_id();
  auto key = login_key(login);
  auto joined = join_scopes(normalized(scopes));
  long long created = orchestra::unix_ms();
  soci::statement insert =
      (session.prepare << "INSERT INTO users (id, login, login_key, password_hash, scopes, "
                          "created_at) VALUES (:id, :login, :key, :hash, :scopes, :created) "
                          "ON CONFLICT (login_key) DO NOTHING",
       soci::use(id), soci::use(login), soci::use(key), soci::use(password_hash),
       soci::use(joined), soci::use(created));
  if (db::affected_rows(insert) == 0) return std::nullopt;
  return id;
}

std::optional<UserRecord> IdentityStore::find_user_by_login(const std::string& login) {
  soci::session session(database_.pool());
  return one_user(session, "login_key = :key", login_key(login));
}

std::optional<UserRecord> IdentityStore::find_user(const std::string& id) {
  soci::session session(database_.pool());
  return one_user(session, "id = :id", id);
}

std::vector<UserRecord> IdentityStore::list_users(const std::optional<std::string>& after_login,
                                                  int limit) {
  soci::session session(database_.pool());
  auto after = login_key(after_login.value_or(""));
  soci::rowset<soci::row> rows =
      (session.prepare << std::string(kUserColumns) +
                              " WHERE login_key > :after ORDER BY login_key LIMIT :limit",
       soci::use(after), soci::use(limit));
  std::vector<UserRecord> users;
  for (const auto& row : rows) users.push_back(user_from(row));
  return users;
}

std::optional<UserRecord> IdentityStore::change_scope(const std::string& login,
                                                      const std::string& scope, bool grant) {
  soci::session session(database_.pool());
  // Compare-and-set: the update applies only to the scopes it was computed
  // from, so two admins changing one user at once lose neither change.
  for (int attempt = 0; attempt < kScopeChangeAttempts; ++attempt) {
    auto user = one_user(session, "login_key = :key", login_key(login));
    if (!user) return std::nullopt;
    auto before = join_scopes(user->scopes);
    auto& scopes = user->scopes;
    if (grant) {
      scopes.push_back(scope);
    } else {
      scopes.erase(std::remove(scopes.begin(), scopes.end(), scope), scopes.end());
    }
    scopes = normalized(std::move(scopes));
    auto after = join_scopes(scopes);
    soci::statement update =
        (session.prepare << "UPDATE users SET scopes = :after WHERE id = :id AND scopes = :before",
         soci::use(after), soci::use(user->id), soci::use(before));
    if (db::affected_rows(update) == 1) return user;
  }
  throw std::runtime_error("the user's scopes kept changing during the update; try again");
}

std::string IdentityStore::issue_refresh_token(const std::string& user_id,
                                               std::chrono::milliseconds ttl) {
  soci::session session(database_.pool());
  auto token = random_token("ort_");
  auto hash = sha256_hex(token);
  auto family = tasks::new_task_id();
  long long now = orchestra::unix_ms(), expires = now + ttl.count(), stale = now - kExpiredTokenKeepMs;
  db::WriteTransaction transaction(session, database_.dialect());
  session << "DELETE FROM refresh_tokens WHERE user_id = :user AND expires_at < :stale",
      soci::use(user_id), soci::use(stale);
  session << "INSERT INTO refresh_tokens (token_hash, family_id, user_id, created_at, "
             "expires_at) VALUES (:hash, :family, :user, :now, :expires)",
      soci::use(hash), soci::use(family), soci::use(user_id), soci::use(now),
      soci::use(expires);
  transaction.commit();
  return token;
}

Rotation IdentityStore::rotate_refresh_token(const std::string& token,
                                             std::chrono::milliseconds ttl) {
  using Outcome = Rotation::Outcome;
  soci::session session(database_.pool());
  auto hash = sha256_hex(token);
  // Guessed tokens are the common unknown ones: answered from a plain read,
  // they take no write lock.
  if (!read_refresh_token(session, hash)) return {Outcome::unknown, {}, {}};
  long long now = orchestra::unix_ms();
  db::WriteTransaction transaction(session, database_.dialect());
  // Only a live token of a family with no revoked token is claimed: a
  // revocation that commits first, or one whose statement missed this
  // newer token, still ends the family.
  soci::statement claim =
      (session.prepare << "UPDATE refresh_tokens SET rotated_at = :now "
                          "WHERE token_hash = :hash AND rotated_at IS NULL AND revoked_at IS NULL "
                          "AND expires_at > :at AND NOT EXISTS (SELECT 1 FROM refresh_tokens "
                          "revoked WHERE revoked.family_id = refresh_tokens.family_id AND "
                          "revoked.revoked_at IS NOT NULL)",
       soci::use(now), soci::use(hash), soci::use(now));
  if (db::affected_rows(claim) == 0) {
    auto refused = refused_rotation(session, hash, now);
    transaction.commit();
    return {refused, {}, {}};
  }
  auto state = read_refresh_token(session, hash);
  auto user = one_user(session, "id = :id", state->user_id);
  if (!user) return {Outcome::unknown, {}, {}};
  auto next = random_token("ort_");
  auto next_hash = sha256_hex(next);
  long long expires = now + ttl.count();
  session << "INSERT INTO refresh_tokens (token_hash, family_id, user_id, created_at, "
             "expires_at) VALUES (:hash, :family, :user, :now, :expires)",
      soci::use(next_hash), soci::use(state->family_id), soci::use(state->user_id),
      soci::use(now), soci::use(expires);
  transaction.commit();
  return {Outcome::rotated, std::move(user), std::move(next)};
}

std::optional<IdentityStore::RefreshTokenState> IdentityStore::read_refresh_token(
    soci::session& session, const std::string& hash) {
  soci::rowset<soci::row> rows =
      (session.prepare << "SELECT family_id, user_id, expires_at, rotated_at, revoked_at "
                          "FROM refresh_tokens WHERE token_hash = :hash",
       soci::use(hash));
  for (const auto& row : rows) {
    return RefreshTokenState{text_at(row, 0), text_at(row, 1), int_at(row, 2),
                             optional_int_at(row, 3).has_value(),
                             optional_int_at(row, 4).has_value()};
  }
  return std::nullopt;
}

// Why a claim found nothing to claim; a token presented again after its
// rotation, or a live one of a revoked family, revokes the whole family.
Rotation::Outcome IdentityStore::refused_rotation(soci::session& session, const std::string& hash,
                                                  std::int64_t now) {
  using Outcome = Rotation::Outcome;
  auto state = read_refresh_token(session, hash);
  if (!state) return Outcome::unknown;
  if (state->revoked) return Outcome::revoked;
  if (!state->rotated && state->expires_at <= now) return Outcome::expired;
  session << "UPDATE refresh_tokens SET revoked_at = :now "
             "WHERE family_id = :family AND revoked_at IS NULL",
      soci::use(now), soci::use(state->family_id);
  return state->rotated ? Outcome::reused : Outcome::revoked;
}

bool IdentityStore::revoke_refresh_token(const std::string& token, const std::string& user_id) {
  soci::session session(database_.pool());
  auto hash = sha256_hex(token);
  long long now = orchestra::unix_ms();
  // The whole login ends: a token already rotated still names its family,
  // and the family's newest token must stop refreshing too.
  soci::statement revoke =
      (session.prepare << "UPDATE refresh_tokens SET revoked_at = :now WHERE revoked_at IS NULL "
                          "AND family_id IN (SELECT family_id FROM refresh_tokens WHERE "
                          "token_hash = :hash AND user_id = :user)",
       soci::use(now), soci::use(hash), soci::use(user_id));
  return db::affected_rows(revoke) > 0;
}

std::optional<std::string> IdentityStore::create_service_token(
    const std::string& name, const std::vector<std::string>& scopes,
    std::optional<std::chrono::milliseconds> ttl) {
  soci::session session(database_.pool());
  auto id = tasks::new_task_id();
  auto token = random_token("ost_");
  auto hash = sha256_hex(token);
  auto joined = join_scopes(normalized(scopes));
  long long now = orchestra::unix_ms();
  soci::indicator has_expiry = ttl ? soci::i_ok : soci::i_null;
  long long expires = ttl ? now + ttl->count() : 0;
  soci::statement insert =
      (session.prepare << "INSERT INTO service_tokens (id, name, token_hash, scopes, created_at, "
                          "expires_at) VALUES (:id, :name, :hash, :scopes, :now, :expires) "
                          "ON CONFLICT DO NOTHING",
       soci::use(id), soci::use(name), soci::use(hash), soci::use(joined), soci::use(now),
       soci::use(expires, has_expiry));
  if (db::affected_rows(insert) == 0) return std::nullopt;
  return token;
}

std::optional<ServiceTokenRecord> IdentityStore::find_service_token(const std::string& token) {
  soci::session session(database_.pool());
  auto hash = sha256_hex(token);
  long long now = orchestra::unix_ms();
  soci::rowset<soci::row> rows =
      (session.prepare << std::string(kServiceTokenColumns) +
                              " WHERE token_hash = :hash AND revoked_at IS NULL AND "
                              "(expires_at IS NULL OR expires_at > :now)",
       soci::use(hash), soci::use(now));
  for (const auto& row : rows) return service_token_from(row);
  return std::nullopt;
}

std::vector<ServiceTokenRecord> IdentityStore::list_service_tokens() {
  soci::session session(database_.pool());
  soci::rowset<soci::row> rows =
      (session.prepare << std::string(kServiceTokenColumns) +
                              " WHERE revoked_at IS NULL ORDER BY name");
  std::vector<ServiceTokenRecord> tokens;
  for (const auto& row : rows) tokens.push_back(service_token_from(row));
  return tokens;
}

bool IdentityStore::revoke_service_token(const std::string& name) {
  soci::session session(database_.pool());
  long long now = orchestra::unix_ms();
  soci::statement revoke =
      (session.prepare << "UPDATE service_tokens SET revoked_at = :now "
                          "WHERE name = :name AND revoked_at IS NULL",
       soci::use(now), soci::use(name));
  return db::affected_rows(revoke) > 0;
}

}  // namespace orchestra::auth
