#pragma once
// Identity in the api process: verifies bearer tokens for the dispatcher
// and serves /api/v1/auth (register, login, refresh, logout, me, and the
// admin routes for users and service tokens).

#include "auth/identity_store.hpp"
#include "auth/jwt.hpp"
#include "auth/login_limiter.hpp"
#include "auth/password.hpp"
#include "config/core_config.hpp"
#include "http/router.hpp"

#include <orchestra/http.hpp>
#include <orchestra/json_writer.hpp>

#include <spdlog/logger.h>

#include <memory>
#include <string>

namespace orchestra::auth {

class AuthService {
 public:
  AuthService(const config::AuthConfig& config, std::string secret, db::Database& database,
              std::shared_ptr<spdlog::logger> log);

  // The principal of a bearer token: an access token (JWT) or a service
  // token. Throws InvalidToken.
  http::Principal authenticate(std::string_view token);
  void add_routes(http::Router& router);

 private:
  struct Tokens {
    std::string access;
    std::string refresh;
  };

  http::Response register_user(const http::Request& request);
  http::Response login(const http::Request& request);
  http::Response refresh(const http::Request& request);
  http::Response logout(const http::Request& request);
  http::Response me(const http::Request& request);
  http::Response list_users(const http::Request& request);
  http::Response change_scope(const http::Request& request, bool grant);
  http::Response list_service_tokens(const http::Request& request);
  http::Response create_service_token(const http::Request& request);
  http::Response revoke_service_token(const http::Request& request);

  std::string access_token_for(const UserRecord& user) const;
  std::string hash_or_refuse(const std::string& password);
  http::Response token_response(const http::Request& request, const UserRecord& user,
                                const std::string& refresh_token) const;
  std::string refresh_cookie(const http::Request& request, const std::string& value,
                             std::chrono::seconds max_age) const;
  [[noreturn]] void refuse_refresh(const http::Request& request, const std::string& detail) const;

  config::AuthConfig config_;
  JwtCodec codec_;
  IdentityStore store_;
  PasswordHasher hasher_;
  LoginLimiter limiter_;
  RegistrationLimiter registrations_;
  std::shared_ptr<spdlog::logger> log_;
};

void write_user(json::Writer& out, const UserRecord& user);
void write_service_token(json::Writer& out, const ServiceTokenRecord& token);

}  // namespace orchestra::auth
