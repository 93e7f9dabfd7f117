#pragma once
// Users, refresh tokens and service tokens in the configured database.
// Database failures throw (soci::soci_error); expected outcomes (a login
// taken, a token unknown) are return values.

#include <orchestra/clock.hpp>
#include <orchestra/db.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace orchestra::auth {

struct UserRecord {
  std::string id;
  std::string login;
  std::string password_hash;
  std::vector<std::string> scopes;
  std::int64_t created_at = 0;  // Unix ms
};

struct ServiceTokenRecord {
  std::string id;
  std::string name;
  std::vector<std::string> scopes;
  std::int64_t created_at = 0;
  std::optional<std::int64_t> expires_at;
};

struct Rotation {
  enum class Outcome { rotated, unknown, expired, revoked, reused };
  Outcome outcome = Outcome::unknown;
  std::optional<UserRecord> user;  // when rotated
  std::string token;               // the new refresh token, when rotated
};

class IdentityStore {
 public:
  explicit IdentityStore(db::Database& database);

  // The new user's id, or nullopt when the login (in any case) is taken.
  std::optional<std::string> create_user(const std::string& login,
                                         const std::string& password_hash,
                                         const std::vector<std::string>& scopes);
  std::optional<UserRecord> find_user_by_login(const std::string& login);
  std::optional<UserRecord> find_user(const std::string& id);
  // Users ordered by login, after `after_login` when given.
  std::vector<UserRecord> list_users(const std::optional<std::string>& after_login, int limit);
  // Grants or revokes one scope; the updated user, or nullopt when no such
  // login.
  std::optional<UserRecord> change_scope(const std::string& login, const std::string& scope,
                                         bool grant);

  // A new refresh token starting a new family; also drops the user's
  // long-expired tokens.
  std::string issue_refresh_token(const std::string& user_id, std::chrono::milliseconds ttl);
  // Exchanges `token` for a new one in the same family. Presenting a token
  // that was already rotated revokes its whole family.
  Rotation rotate_refresh_token(const std::string& token, std::chrono::milliseconds ttl);
  // Ends the login `token` (of `user_id`) came from: every live token of its
  // family, the token itself already rotated or not. False when none was live.
  bool revoke_refresh_token(const std::string& token, const std::string& user_id);

  // The token (shown once), or nullopt when a live token has this name.
  std::optional<std::string> create_service_token(
      const std::string& name, const std::vector<std::string>& scopes,
      std::optional<std::chrono::milliseconds> ttl);
  // The live (unrevoked, unexpired) token presented as `token`.
  std::optional<ServiceTokenRecord> find_service_token(const std::string& token);
  std::vector<ServiceTokenRecord> list_service_tokens();
  bool revoke_service_token(const std::string& name);

 private:
  struct RefreshTokenState {
    std::string family_id;
    std::string user_id;
    std::int64_t expires_at = 0;
    bool rotated = false;
    bool revoked = false;
  };

  static std::optional<RefreshTokenState> read_refresh_token(soci::session& session,
                                                             const std::string& hash);
  static Rotation::Outcome refused_rotation(soci::session& session, const std::string& hash,
                                            std::int64_t now);

  db::Database& database_;
};


}  // namespace orchestra::auth
