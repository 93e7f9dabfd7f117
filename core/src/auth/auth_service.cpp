#include "auth/auth_service.hpp"

#include "auth/credentials.hpp"
#include "auth/scopes.hpp"

#include <orchestra/json.hpp>

#include <fmt/format.h>

namespace orchestra::auth {
namespace {

constexpr const char* kServiceTokenPrefix = "ost_";

}  // namespace

void write_user(json::Writer& out, const UserRecord& user) {
  out.object()
      .field("id", user.id)
      .field("login", user.login)
      .field("scopes", user.scopes)
      .time("created_at", user.created_at)
      .end_object();
}

void write_service_token(json::Writer& out, const ServiceTokenRecord& token) {
  out.object()
      .field("id", token.id)
      .field("name", token.name)
      .field("scopes", token.scopes)
      .time("created_at", token.created_at)
      .time("expires_at", token.expires_at)
      .end_object();
}

AuthService::AuthService(const config::AuthConfig& config, std::string secret,
                         db::Database& database, std::shared_ptr<spdlog::logger> log)
    : config_(config),
      codec_(std::move(secret), config.issuer,
             std::chrono::duration_cast<std::chrono::seconds>(config.clock_skew)),
      store_(database),
      hasher_(config.hashing_slots, config.hashing_wait),
      limiter_(config.login_limits),
      registrations_(config.registration_attempts, config.registration_window),
      log_(std::move(log)) {}

http::Principal AuthService::authenticate(std::string_view token) {
  if (token.starts_with(kServiceTokenPrefix)) {
    auto found = store_.find_service_token(std::string(token));
    if (!found) throw InvalidToken("the service token is unknown, revoked or expired");
    return http::Principal{"service:" + found->id, found->name, found->scopes, true};
  }
  auto claims = codec_.verify(token, unix_now());
  return http::Principal{claims.subject, claims.name, claims.scopes, false};
}

std::string AuthService::access_token_for(const UserRecord& user) const {
  AccessClaims claims;
  claims.subject = user.id;
  claims.name = user.login;
  claims.scopes = user.scopes;
  claims.issued_at = unix_now();
  claims.expires_at = claims.issued_at +
      std::chrono::duration_cast<std::chrono::seconds>(config_.access_token_ttl).count();
  return codec_.sign(claims);
}

}  // namespace orchestra::auth
