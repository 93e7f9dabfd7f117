#include "auth/jwt.hpp"

#include "auth/encoding.hpp"
#include "auth/scopes.hpp"

#include <orchestra/json.hpp>

#include <fmt/format.h>
#include <sodium.h>

#include <array>

namespace orchestra::auth {
namespace {

constexpr std::size_t kMaxTokenBytes = 8192;
constexpr std::size_t kMinSecretBytes = 32;

rapidjson::Document parse_segment(std::string_view segment, const char* what) {
  auto decoded = base64url_decode(segment);
  if (!decoded) throw InvalidToken(fmt::format("the token's {} is not base64url", what));
  rapidjson::Document document;
  if (!json::within_max_depth(*decoded) ||
      document.Parse(decoded->data(), decoded->size()).HasParseError() ||
      !document.IsObject()) {
    throw InvalidToken(fmt::format("the token's {} is not a JSON object", what));
  }
  return document;
}

std::int64_t integer_claim(const rapidjson::Document& payload, const char* name) {
  auto it = payload.FindMember(name);
  if (it == payload.MemberEnd()) throw InvalidToken(fmt::format("the token has no '{}'", name));
  if (!it->value.IsInt64()) {
    throw InvalidToken(fmt::format("the token's '{}' is not an integer", name));
  }
  return it->value.GetInt64();
}

std::string string_claim(const rapidjson::Document& payload, const char* name, bool required) {
  auto it = payload.FindMember(name);
  if (it == payload.MemberEnd()) {
    if (required) throw InvalidToken(fmt::format("the token has no '{}'", name));
    return {};
  }
  if (!it->value.IsString()) {
    throw InvalidToken(fmt::format("the token's '{}' is not a string", name));
  }
  return {it->value.GetString(), it->value.GetStringLength()};
}

void check_header(std::string_view segment) {
  auto header = parse_segment(segment, "header");
  auto alg = header.FindMember("alg");
  if (alg == header.MemberEnd() || !alg->value.IsString()) {
    throw InvalidToken("the token's header names no algorithm");
  }
  if (std::string_view(alg->value.GetString()) != "HS256") {
    throw InvalidToken(fmt::format("the token's algorithm '{}' is not accepted (only HS256)",
                                   alg->value.GetString()));
  }
  // Extensions the verifier must understand, which this one does not.
  if (header.HasMember("crit")) throw InvalidToken("the token's header has 'crit' extensions");
}

}  // namespace

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

JwtCodec::JwtCodec(std::string secret, std::string issuer, std::chrono::seconds clock_skew)
    : secret_(std::move(secret)), issuer_(std::move(issuer)), skew_(clock_skew.count()) {
  if (secret_.size() < kMinSecretBytes) {
    throw std::invalid_argument(fmt::format(
        "the token signing secret must be at least {} bytes long", kMinSecretBytes));
  }
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
}

std::string JwtCodec::signature(std::string_view signing_input) const {
  std::array<unsigned char, crypto_auth_hmacsha256_BYTES> mac{};
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(secret_.data()),
                              secret_.size());
  crypto_auth_hmacsha256_update(
      &state, reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size());
  crypto_auth_hmacsha256_final(&state, mac.data());
  return {reinterpret_cast<const char*>(mac.data()), mac.size()};
}

std::string JwtCodec::sign_json(std::string_view header, std::string_view payload) const {
  auto input = base64url_encode(header) + "." + base64url_encode(payload);
  return input + "." + base64url_encode(signature(input));
}

std::string JwtCodec::sign(const AccessClaims& claims) const {
  return sign_json(
      R"({"alg":"HS256","typ":"JWT"})",
      fmt::format(R"({{"iss":{},"sub":{},"name":{},"scope":{},"iat":{},"exp":{}}})",
                  json::quote(issuer_), json::quote(claims.subject), json::quote(claims.name),
                  json::quote(join_scopes(claims.scopes)), claims.issued_at, claims.expires_at));
}

AccessClaims JwtCodec::verify(std::string_view token, std::int64_t now) const {
  if (token.size() > kMaxTokenBytes) throw InvalidToken("the token is too long");
  auto first = token.find('.');
  auto second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) {
    throw InvalidToken("the token is not three dot-separated segments");
  }
  check_header(token.substr(0, first));
  auto given = base64url_decode(token.substr(second + 1));
  auto expected = signature(token.substr(0, second));
  if (!given || given->size() != expected.size() ||
      crypto_verify_32(reinterpret_cast<const unsigned char*>(given->data()),
                       reinterpret_cast<const unsigned char*>(expected.data())) != 0) {
    throw InvalidToken("the token's signature does not verify");
  }
  auto payload = parse_segment(token.substr(first + 1, second - first - 1), "payload");
  if (string_claim(payload, "iss", true) != issuer_) {
    throw InvalidToken("the token was issued by someone else");
  }
  AccessClaims claims;
  claims.subject = string_claim(payload, "sub", true);
  claims.name = string_claim(payload, "name", false);
  claims.scopes = split_scopes(string_claim(payload, "scope", false));
  claims.issued_at = integer_claim(payload, "iat");
  claims.expires_at = integer_claim(payload, "exp");
  if (now > claims.expires_at + skew_) throw InvalidToken("the token has expired");
  if (claims.issued_at > now + skew_) throw InvalidToken("the token is issued in the future");
  if (payload.HasMember("nbf") && integer_claim(payload, "nbf") > now + skew_) {
    throw InvalidToken("the token is not valid yet");
  }
  return claims;
}

}  // namespace orchestra::auth
