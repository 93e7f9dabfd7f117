#include "http/access_gate.hpp"

#include <fmt/format.h>

#include <strings.h>

namespace orchestra::http {
namespace {

constexpr const char* kRealm = R"(Bearer realm="orchestra")";

[[noreturn]] void unauthorized(const std::string& detail, const std::string& challenge) {
  HttpError error(401, detail);
  error.headers.emplace_back("WWW-Authenticate", challenge);
  throw error;
}

std::string escaped(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '"' || c == '\\') continue;
    out += c;
  }
  return out;
}

}  // namespace

void authorize(const Access& access, Request& request, const TokenVerifier& verify) {
  if (access.kind() == Access::Kind::public_) return;
  auto header = request.header("Authorization");
  if (!header) unauthorized("this route needs a bearer token (Authorization: Bearer ...)", kRealm);
  std::string_view value = *header;
  if (value.size() < 7 || strncasecmp(value.data(), "Bearer ", 7) != 0) {
    unauthorized("the Authorization header must use the Bearer scheme", kRealm);
  }
  auto token = value.substr(7);
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  if (token.empty() || !verify) unauthorized("the bearer token is empty or not accepted here", kRealm);
  try {
    request.principal = verify(token);
  } catch (const TokenRejected& rejected) {
    unauthorized(rejected.what(),
                 fmt::format(R"({}, error="invalid_token", error_description="{}")", kRealm,
                             escaped(rejected.what())));
  }
  if (access.kind() == Access::Kind::scope && !request.principal->has_scope(access.scope_name())) {
    HttpError error(403, fmt::format("this route needs the scope '{}'", access.scope_name()));
    error.headers.emplace_back(
        "WWW-Authenticate",
        fmt::format(R"({}, error="insufficient_scope", scope="{}")", kRealm, access.scope_name()));
    throw error;
  }
}

}  // namespace orchestra::http
