// auth::JwtCodec: HS256 access tokens are accepted only when signature,
// algorithm, issuer and times all check out.

#include "auth/encoding.hpp"
#include "auth/jwt.hpp"

#include <doctest/doctest.h>

using namespace orchestra::auth;

namespace {

const std::string kSecret = "0123456789abcdef0123456789abcdef-unit";
constexpr std::int64_t kNow = 1'800'000'000;

JwtCodec codec(const std::string& secret = kSecret, const std::string& issuer = "orchestra") {
  return JwtCodec(secret, issuer, std::chrono::seconds(30));
}

AccessClaims claims(std::int64_t issued = kNow, std::int64_t expires = kNow + 900) {
  return AccessClaims{"user-1", "alice", {"tasks", "csv"}, issued, expires};
}

std::string refusal(const std::string& token, std::int64_t now = kNow) {
  try {
    codec().verify(token, now);
  } catch (const InvalidToken& error) {
    return error.what();
  }
  return "accepted";
}

std::string signed_payload(const std::string& payload) {
  return codec().sign_json(R"({"alg":"HS256","typ":"JWT"})", payload);
}

}  // namespace

TEST_CASE("a signed token verifies and round-trips its claims") {
  auto token = codec().sign(claims());
  auto verified = codec().verify(token, kNow + 10);
  CHECK(verified.subject == "user-1");
  CHECK(verified.name == "alice");
  CHECK(verified.scopes == std::vector<std::string>{"tasks", "csv"});
  CHECK(verified.issued_at == kNow);
  CHECK(verified.expires_at == kNow + 900);
}

TEST_CASE("expiry is enforced with a small clock skew") {
  auto token = codec().sign(claims());
  CHECK_NOTHROW(codec().verify(token, kNow + 900 + 30));
  CHECK(refusal(token, kNow + 900 + 31) == "the token has expired");
  CHECK(refusal(codec().sign(claims(kNow + 120, kNow + 900))) ==
        "the token is issued in the future");
}

TEST_CASE("a token signed with another secret or altered is refused") {
  auto other = codec("another-secret-0123456789abcdef-xyz").sign(claims());
  CHECK(refusal(other) == "the token's signature does not verify");
  auto token = codec().sign(claims());
  auto first = token.find('.');
  auto second = token.find('.', first + 1);
  auto admin_payload = base64url_encode(
      R"({"iss":"orchestra","sub":"user-1","name":"alice","scope":"admin","iat":1800000000,"exp":1800000900})");
  auto altered = token.substr(0, first + 1) + admin_payload + token.substr(second);
  CHECK(refusal(altered) == "the token's signature does not verify");
  CHECK(refusal(token.substr(0, second + 1)) == "the token's signature does not verify");
}

TEST_CASE("alg none and every algorithm but HS256 are refused") {
  auto payload = base64url_encode(
      R"({"iss":"orchestra","sub":"user-1","scope":"admin","iat":1800000000,"exp":1800000900})");
  auto none = base64url_encode(R"({"alg":"none","typ":"JWT"})") + "." + payload + ".";
  CHECK(refusal(none) == "the token's algorithm 'none' is not accepted (only HS256)");
  auto hs512 = base64url_encode(R"({"alg":"HS512"})") + "." + payload + ".c2ln";
  CHECK(refusal(hs512) == "the token's algorithm 'HS512' is not accepted (only HS256)");
  auto missing = base64url_encode(R"({"typ":"JWT"})") + "." + payload + ".c2ln";
  CHECK(refusal(missing) == "the token's header names no algorithm");
  auto critical = base64url_encode(R"({"alg":"HS256","crit":["exp"]})") + "." + payload + ".c2ln";
  CHECK(refusal(critical) == "the token's header has 'crit' extensions");
  auto signed_none = codec().sign_json(R"({"alg":"none"})", R"({"iss":"orchestra"})");
  CHECK(refusal(signed_none) == "the token's algorithm 'none' is not accepted (only HS256)");
}

TEST_CASE("a token from another issuer is refused even when the secret matches") {
  auto foreign = codec(kSecret, "someone-else").sign(claims());
  CHECK(refusal(foreign) == "the token was issued by someone else");
}

TEST_CASE("malformed tokens are refused with the reason") {
  CHECK(refusal("") == "the token is not three dot-separated segments");
  CHECK(refusal("abc") == "the token is not three dot-separated segments");
  CHECK(refusal("a.b") == "the token is not three dot-separated segments");
  CHECK(refusal("a.b.c.d") == "the token is not three dot-separated segments");
  CHECK(refusal("!!!.b.c") == "the token's header is not base64url");
  CHECK(refusal(base64url_encode("not json") + ".b.c") ==
        "the token's header is not a JSON object");
  CHECK(refusal(base64url_encode("[1]") + ".b.c") == "the token's header is not a JSON object");
  CHECK(refusal(std::string(9000, 'a')) == "the token is too long");
}

TEST_CASE("required claims must be present and typed") {
  CHECK(refusal(signed_payload(R"({"iss":"orchestra","iat":1800000000,"exp":1800000900})")) ==
        "the token has no 'sub'");
  CHECK(refusal(signed_payload(R"({"iss":"orchestra","sub":"u","iat":1800000000})")) ==
        "the token has no 'exp'");
  CHECK(refusal(signed_payload(
            R"({"iss":"orchestra","sub":"u","iat":1800000000,"exp":"1800000900"})")) ==
        "the token's 'exp' is not an integer");
  CHECK(refusal(signed_payload(R"({"sub":"u","iat":1800000000,"exp":1800000900})")) ==
        "the token has no 'iss'");
  CHECK(refusal(signed_payload(
            R"({"iss":"orchestra","sub":7,"iat":1800000000,"exp":1800000900})")) ==
        "the token's 'sub' is not a string");
  CHECK(refusal(signed_payload(
            R"({"iss":"orchestra","sub":"u","iat":1800000000,"exp":1800000900,"nbf":1800000100})")) ==
        "the token is not valid yet");
  CHECK(refusal(signed_payload("[]")) == "the token's payload is not a JSON object");
}

TEST_CASE("secrets shorter than 32 bytes are refused") {
  CHECK_THROWS_AS(JwtCodec("short", "orchestra", std::chrono::seconds(0)), std::invalid_argument);
}
