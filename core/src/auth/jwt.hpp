#pragma once
// HS256 JSON Web Tokens (RFC 7519) for access tokens: signed with the
// deployment's secret, checked for signature, algorithm, issuer, expiry
// and issue time. Any other algorithm, `none` included, is refused.

#include "http/access_gate.hpp"

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace orchestra::auth {

struct AccessClaims {
  std::string subject;  // user id
  std::string name;     // login, for logs and /me
  std::vector<std::string> scopes;
  std::int64_t issued_at = 0;   // Unix seconds
  std::int64_t expires_at = 0;  // Unix seconds
};

// Why a token was refused, worded for the client (no secrets in it).
class InvalidToken : public http::TokenRejected {
 public:
  using http::TokenRejected::TokenRejected;
};

class JwtCodec {
 public:
  // `secret` must hold at least 32 bytes (std::invalid_argument otherwise).
  JwtCodec(std::string secret, std::string issuer, std::chrono::seconds clock_skew);

  std::string sign(const AccessClaims& claims) const;
  // Signs any header and payload as given (sign() builds them from claims).
  std::string sign_json(std::string_view header, std::string_view payload) const;
  // Throws InvalidToken. `now` is Unix seconds.
  AccessClaims verify(std::string_view token, std::int64_t now) const;

  const std::string& issuer() const { return issuer_; }

 private:
  std::string signature(std::string_view signing_input) const;

  std::string secret_;
  std::string issuer_;
  std::int64_t skew_;
};

std::int64_t unix_now();

}  // namespace orchestra::auth
