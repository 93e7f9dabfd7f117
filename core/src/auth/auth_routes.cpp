// The /api/v1/auth routes of AuthService.

#include "auth/auth_service.hpp"
#include "auth/credentials.hpp"
#include "auth/scopes.hpp"
#include "config/duration.hpp"
#include "http/client_address.hpp"

#include <orchestra/json.hpp>
#include <orchestra/schema.hpp>

#include <fmt/format.h>


namespace orchestra::auth {
namespace {

using http::Access;
using http::Execution;
using http::HttpError;
using http::Method;
using http::Request;
using http::Response;

constexpr const char* kCookieName = "orchestra_refresh";
constexpr const char* kCookiePath = "/api/v1/auth";
constexpr const char* kWrongCredentials = "wrong login or password";
constexpr int kMaxPageSize = 500;

std::optional<std::string> cookie(const Request& request, std::string_view name) {
  auto header = request.header("Cookie");
  if (!header) return std::nullopt;
  std::string_view rest = *header;
  while (!rest.empty()) {
    auto end = rest.find(';');
    auto pair = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 1);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    if (pair.starts_with(name) && pair.size() > name.size() && pair[name.size()] == '=') {
      return std::string(pair.substr(name.size() + 1));
    }
  }
  return std::nullopt;
}

// From {"refresh_token": "..."} when the body has one, else the cookie.
std::optional<std::string> presented_refresh_token(const Request& request) {
  if (!request.body.empty()) {
    auto document = json::parse_object(request.body);
    json::ObjectReader body(document);
    body.only({"refresh_token"});
    if (auto token = body.optional<std::string>("refresh_token")) return token;
  }
  return cookie(request, kCookieName);
}

std::pair<std::string, std::string> credentials_from(const Request& request) {
  auto document = json::parse_object(request.body);
  json::ObjectReader body(document);
  body.only({"login", "password"});
  return {body.require<std::string>("login"), body.require<std::string>("password")};
}

HttpError too_many(const std::string& what, std::chrono::seconds wait) {
  HttpError error(429, fmt::format("{}; try again in {} s", what, wait.count()));
  error.headers.emplace_back("Retry-After", std::to_string(wait.count()));
  return error;
}

HttpError busy() {
  HttpError error(503, "the server is busy checking passwords; try again in a second");
  error.headers.emplace_back("Retry-After", "1");
  return error;
}

std::string valid_scope(const std::string& scope) {
  if (auto problem = scope_problem(scope)) throw HttpError(400, *problem);
  return scope;
}

}  // namespace

std::string AuthService::refresh_cookie(const Request& request, const std::string& value,
                                        std::chrono::seconds max_age) const {
  bool secure = config_.always_secure_cookies ||
                request.header("X-Forwarded-Proto").value_or("") == "https";
  return fmt::format("{}={}; Path={}; Max-Age={}; HttpOnly; SameSite=Strict{}", kCookieName,
                     value, kCookiePath, max_age.count(), secure ? "; Secure" : "");
}

Response AuthService::token_response(const Request& request, const UserRecord& user,
                                     const std::string& refresh_token) const {
  auto access_ttl = std::chrono::duration_cast<std::chrono::seconds>(config_.access_token_ttl);
  auto refresh_ttl = std::chrono::duration_cast<std::chrono::seconds>(config_.refresh_token_ttl);
  json::Writer out;
  out.object()
      .field("access_token", access_token_for(user))
      .field("token_type", "Bearer")
      .field("expires_in", static_cast<std::int64_t>(access_ttl.count()))
      .field("refresh_token", refresh_token)
      .field("refresh_expires_in", static_cast<std::int64_t>(refresh_ttl.count()))
      .end_object();
  auto response = Response::json(200, out.str());
  response.headers.emplace_back("Set-Cookie", refresh_cookie(request, refresh_token, refresh_ttl));
  response.headers.emplace_back("Cache-Control", "no-store");
  return response;
}

void AuthService::refuse_refresh(const Request& request, const std::string& detail) const {
  HttpError error(401, detail);
  error.headers.emplace_back("Set-Cookie",
                             refresh_cookie(request, "", std::chrono::seconds(0)));
  throw error;
}

Response AuthService::register_user(const Request& request) {
  if (!config_.registration_open) {
    throw HttpError(403, "registration is closed; ask an administrator for an account");
  }
  auto [login, password] = credentials_from(request);
  if (auto problem = login_problem(login)) throw HttpError(400, *problem);
  if (auto problem = password_problem(password)) throw HttpError(400, *problem);
  if (auto wait = registrations_.admit(http::address_block(request.client_address))) {
    throw too_many("too many registrations from your address", *wait);
  }
  auto taken = [&] { return HttpError(409, fmt::format("the login '{}' is already taken", login)); };
  // Checked before hashing too, so a taken login costs no 64 MiB hash.
  if (store_.find_user_by_login(login)) throw taken();
  auto id = store_.create_user(login, hash_or_refuse(password), config_.default_scopes);
  if (!id) throw taken();
  log_->info("registered user {} ({})", login, *id);
  json::Writer out;
  out.object().field("id", *id).field("login", login).end_object();
  auto response = Response::json(201, out.str());
  response.headers.emplace_back("Location", "/api/v1/auth/me");
  return response;
}

Response AuthService::login(const Request& request) {
  auto [login, password] = credentials_from(request);
  // No account has a login that breaks the rules: such a login is refused
  // before it can become a limiter key.
  if (login_problem(login)) throw HttpError(401, kWrongCredentials);
  auto lowered = login;
  for (auto& c : lowered) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto block = http::address_block(request.client_address);
  if (auto wait = limiter_.admit(lowered, block)) {
    throw too_many("too many login attempts", *wait);
  }
  bool right = false;
  std::optional<UserRecord> user;
  try {
    user = store_.find_user_by_login(login);
    right = user ? hasher_.verify(password, user->password_hash)
                 : (hasher_.verify_nothing(password), false);
  } catch (const HashingBusy&) {
    limiter_.give_back(lowered, block);
    throw busy();
  } catch (...) {
    // Unchecked (the database is down, say): not a failure of the owner's.
    limiter_.give_back(lowered, block);
    throw;
  }
  if (!right) throw HttpError(401, kWrongCredentials);
  limiter_.succeeded(lowered, block);
  return token_response(request, *user, store_.issue_refresh_token(user->id, config_.refresh_token_ttl));
}

std::string AuthService::hash_or_refuse(const std::string& password) {
  try {
    return hasher_.hash(password);
  } catch (const HashingBusy&) {
    throw busy();
  }
}

Response AuthService::refresh(const Request& request) {
  using Outcome = Rotation::Outcome;
  auto token = presented_refresh_token(request);
  if (!token || token->empty()) {
    throw HttpError(401, "no refresh token: send the cookie or {\"refresh_token\": \"...\"}");
  }
  auto rotation = store_.rotate_refresh_token(*token, config_.refresh_token_ttl);
  switch (rotation.outcome) {
    case Outcome::rotated: return token_response(request, *rotation.user, rotation.token);
    case Outcome::unknown: refuse_refresh(request, "the refresh token is not valid");
    case Outcome::expired: refuse_refresh(request, "the refresh token has expired; log in again");
    case Outcome::revoked: refuse_refresh(request, "the refresh token was revoked; log in again");
    case Outcome::reused:
      log_->warn("a rotated refresh token was presented again (client {}); its family is "
                 "revoked", request.client_address);
      refuse_refresh(request,
                     "the refresh token was already used, so every token of its session is "
                     "revoked; log in again");
  }
  refuse_refresh(request, "the refresh token is not valid");
}

Response AuthService::logout(const Request& request) {
  auto token = presented_refresh_token(request);
  if (!token || token->empty()) {
    throw HttpError(400, "no refresh token to revoke: send the cookie or {\"refresh_token\"}");
  }
  if (!store_.revoke_refresh_token(*token, request.caller().subject)) {
    throw HttpError(404, "no live refresh token of yours matches");
  }
  Response response{204, "application/json", {}, {}, nullptr};
  response.headers.emplace_back("Set-Cookie", refresh_cookie(request, "", std::chrono::seconds(0)));
  return response;
}

Response AuthService::me(const Request& request) {
  const auto& caller = request.caller();
  if (caller.service) {
    json::Writer out;
    out.object()
        .field("id", caller.subject)
        .field("name", caller.name)
        .field("kind", "service")
        .field("scopes", caller.scopes)
        .end_object();
    return Response::json(200, out.str());
  }
  auto user = store_.find_user(caller.subject);
  if (!user) throw HttpError(401, "the token's user no longer exists");
  json::Writer out;
  write_user(out, *user);
  return Response::json(200, out.str());
}

Response AuthService::list_users(const Request& request) {
  auto limit = static_cast<int>(request.query_int("limit", 100, 1, kMaxPageSize));
  auto users = store_.list_users(request.query_param("cursor"), limit);
  json::Writer out;
  out.list(users,
           static_cast<int>(users.size()) == limit ? std::optional(users.back().login)
                                                   : std::nullopt,
           write_user);
  return Response::json(200, out.str());
}

Response AuthService::change_scope(const Request& request, bool grant) {
  const auto& login = request.path_param("login");
  auto scope = valid_scope(request.path_param("scope"));
  auto user = store_.change_scope(login, scope, grant);
  if (!user) throw HttpError(404, fmt::format("no user with login '{}'", login));
  log_->info("{} {} scope {} {} user {}", request.caller().name, grant ? "granted" : "revoked",
             scope, grant ? "to" : "from", user->login);
  json::Writer out;
  write_user(out, *user);
  return Response::json(200, out.str());
}

Response AuthService::list_service_tokens(const Request&) {
  json::Writer out;
  out.list(store_.list_service_tokens(), std::nullopt, write_service_token);
  return Response::json(200, out.str());
}

Response AuthService::create_service_token(const Request& request) {
  auto document = json::parse_object(request.body);
  json::ObjectReader body(document);
  body.only({"name", "scopes", "ttl"});
  auto name = body.require<std::string>("name");
  if (auto problem = login_problem(name)) {
    throw HttpError(400, "'name' must be 3 to 64 characters of A-Z, a-z, 0-9, '.', '_' and '-'");
  }
  auto scopes = body.require<std::vector<std::string>>("scopes");
  for (const auto& scope : scopes) valid_scope(scope);
  std::optional<std::chrono::milliseconds> ttl;
  if (auto text = body.optional<std::string>("ttl")) {
    ttl = config::parse_duration(*text);
    if (!ttl || ttl->count() <= 0) {
      throw HttpError(400, "'ttl' must be a positive duration such as \"30d\" or \"12h\"");
    }
  }
  auto token = store_.create_service_token(name, scopes, ttl);
  if (!token) throw HttpError(409, fmt::format("a live service token is named '{}'", name));
  log_->info("{} created service token {}", request.caller().name, name);
  json::Writer out;
  out.object().field("name", name).field("token", *token).end_object();
  return Response::json(201, out.str());
}

Response AuthService::revoke_service_token(const Request& request) {
  const auto& name = request.path_param("name");
  if (!store_.revoke_service_token(name)) {
    throw HttpError(404, fmt::format("no live service token is named '{}'", name));
  }
  log_->info("{} revoked service token {}", request.caller().name, name);
  return Response{204, "application/json", {}, {}, nullptr};
}

void AuthService::add_routes(http::Router& router) {
  using namespace schema;
  auto add = [&](Method method, const char* path, Access access, const char* summary,
                 Response (AuthService::*handler)(const Request&), std::string request,
                 std::map<int, std::string> responses, std::vector<http::QueryParameter> query = {}) {
    router.add(method, std::string("/api/v1/auth") + path,
               [this, handler](const Request& request) { return (this->*handler)(request); },
               {summary, Execution::blocking, std::move(access), std::move(request),
                std::move(responses), std::move(query)},
               "core");
  };
  auto credentials = body({{"login", kString}, {"password", kString}}, {"login", "password"});
  auto refresh_body = body({{"refresh_token", kString}}, {});
  auto tokens = record({{"access_token", kString}, {"token_type", R"({"enum":["Bearer"]})"},
                        {"expires_in", kInteger}, {"refresh_token", kString},
                        {"refresh_expires_in", kInteger}});
  auto user = record({{"id", kString}, {"login", kString}, {"scopes", kStrings},
                      {"created_at", kTimestamp}});
  auto service_token = record({{"id", kString}, {"name", kString}, {"scopes", kStrings},
                               {"created_at", kTimestamp}, {"expires_at", kOptionalTimestamp}});
  add(Method::post, "/register", Access::public_(), "Create a user account",
      &AuthService::register_user, credentials,
      {{201, record({{"id", kString}, {"login", kString}})}});
  add(Method::post, "/login", Access::public_(), "Exchange login and password for tokens",
      &AuthService::login, credentials, {{200, tokens}});
  add(Method::post, "/refresh", Access::public_(),
      "Rotate a refresh token (the cookie, or refresh_token) for new tokens",
      &AuthService::refresh, refresh_body, {{200, tokens}});
  add(Method::post, "/logout", Access::authenticated(),
      "Revoke a refresh token (the cookie, or refresh_token)", &AuthService::logout,
      refresh_body, {{204, ""}});
  add(Method::get, "/me", Access::authenticated(), "The caller's identity and scopes",
      &AuthService::me, {},
      {{200, R"({"oneOf":[)" + user + "," +
                 record({{"id", kString}, {"name", kString}, {"kind", R"({"enum":["service"]})"},
                         {"scopes", kStrings}}) +
                 "]}"}});
  add(Method::get, "/users", Access::scope("admin"), "Users by login; limit, cursor",
      &AuthService::list_users, {}, {{200, list_of(user)}},
      {{"limit", limit_schema(kMaxPageSize), "page size (default 100)"},
       {"cursor", kString, "next_cursor of the previous page"}});
  router.add(Method::put, "/api/v1/auth/users/{login}/scopes/{scope}",
             [this](const Request& request) { return change_scope(request, true); },
             {"Grant a scope to a user", Execution::blocking, Access::scope("admin"), {},
              {{200, user}}},
             "core");
  router.add(Method::delete_, "/api/v1/auth/users/{login}/scopes/{scope}",
             [this](const Request& request) { return change_scope(request, false); },
             {"Revoke a scope from a user", Execution::blocking, Access::scope("admin"), {},
              {{200, user}}},
             "core");
  add(Method::get, "/tokens", Access::scope("admin"), "Live service tokens",
      &AuthService::list_service_tokens, {}, {{200, list_of(service_token)}});
  add(Method::post, "/tokens", Access::scope("admin"), "Create a service token",
      &AuthService::create_service_token,
      body({{"name", kString}, {"scopes", kStrings},
            {"ttl", R"({"type":"string","description":"a duration such as 30d or 12h"})"}},
           {"name", "scopes"}),
      {{201, record({{"name", kString}, {"token", kString}})}});
  add(Method::delete_, "/tokens/{name}", Access::scope("admin"), "Revoke a service token",
      &AuthService::revoke_service_token, {}, {{204, ""}});
}

}  // namespace orchestra::auth
