#pragma once
// Enforces a route's declared Access before its handler runs: public routes
// pass; every other route needs a bearer token the verifier accepts, and
// scoped routes need the scope (or admin).

#include <orchestra/http.hpp>

#include <functional>
#include <stdexcept>
#include <string_view>

namespace orchestra::http {

// Thrown by a TokenVerifier for a token it refuses; the message is shown
// to the client.
class TokenRejected : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

using TokenVerifier = std::function<Principal(std::string_view token)>;

// Sets request.principal, or throws HttpError 401 (with WWW-Authenticate)
// or 403. An empty verifier accepts no token.
void authorize(const Access& access, Request& request, const TokenVerifier& verify);

}  // namespace orchestra::http
