#include "auth/auth_service.hpp"

#include "auth/credentials.hpp"
#include "auth/scopes.hpp"

#include <orchestra/json.hpp>

#include <fmt/format.h>

namespace orchestra::auth {
namespace {

constexpr const char* kServiceTokenPrefix = "ost_";

}  // namespace

std::string scopes_json(const std::vector<std::string>& scopes) {
  std::string out = "[";
  for (const auto& scope : scopes) {
    if (out.size() > 1) out += ',';
    out += json::quote(scope);
  }
  return out + "]";
}

std::string user_json(const UserRecord& user) {
  return fmt::format(R"({{"id":{},"login":{},"scopes":{},"created_at":{}}})",
                     json::quote(user.id), json::quote(user.login), scopes_json(user.scopes),
                     json::quote(json::rfc3339(user.created_at)));
}

std::string service_token_json(const ServiceTokenRecord& token) {
  return fmt::format(R"({{"id":{},"name":{},"scopes":{},"created_at":{},"expires_at":{}}})",
                     json::quote(token.id), json::quote(token.name), scopes_json(token.scopes),
                     json::quote(json::rfc3339(token.created_at)),
                     token.expires_at ? json::quote(json::rfc3339(*token.expires_at)) : "null");
}

AuthService::AuthService(const config::AuthConfig& config, std::string secret,
                         db::Database& database, std::shared_ptr<spdlog::logger> log)
    : config_(config),
      codec_(std::move(secret), config.issuer,
             std::chrono::duration_cast<std::chrono::seconds>(config.clock_skew)),
      store_(database),
      limiter_(config.login_attempts, config.login_window),
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
