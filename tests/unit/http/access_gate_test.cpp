// http::authorize: public routes pass, others need an accepted bearer
// token, and scoped routes the scope (or admin).

#include "http/access_gate.hpp"

#include <doctest/doctest.h>

using namespace orchestra::http;

namespace {

Principal verify(std::string_view token) {
  if (token == "alice") return Principal{"u1", "alice", {"tasks"}, false};
  if (token == "root") return Principal{"u0", "root", {"admin"}, false};
  throw TokenRejected("the token has expired");
}

Request with_authorization(const std::string& value) {
  Request request;
  request.headers.emplace_back("authorization", value);
  return request;
}

// The status and WWW-Authenticate of the refusal, or 0 when allowed.
std::pair<int, std::string> outcome(const Access& access, Request request,
                                    const TokenVerifier& verifier = verify) {
  try {
    authorize(access, request, verifier);
    return {0, request.principal ? request.principal->name : "(nobody)"};
  } catch (const HttpError& error) {
    std::string challenge;
    for (const auto& [name, value] : error.headers) {
      if (name == "WWW-Authenticate") challenge = value;
    }
    return {error.status(), challenge};
  }
}

}  // namespace

TEST_CASE("public routes need nothing and get no principal") {
  CHECK(outcome(Access::public_(), Request{}) == std::pair<int, std::string>{0, "(nobody)"});
}

TEST_CASE("other routes answer 401 with a Bearer challenge without a valid token") {
  auto missing = outcome(Access::authenticated(), Request{});
  CHECK(missing.first == 401);
  CHECK(missing.second == R"(Bearer realm="orchestra")");
  CHECK(outcome(Access::authenticated(), with_authorization("Basic YWxpY2U6eA==")).first == 401);
  CHECK(outcome(Access::authenticated(), with_authorization("Bearer ")).first == 401);
  auto expired = outcome(Access::scope("tasks"), with_authorization("Bearer bogus"));
  CHECK(expired.first == 401);
  CHECK(expired.second ==
        R"(Bearer realm="orchestra", error="invalid_token", error_description="the token has expired")");
  CHECK(outcome(Access::authenticated(), with_authorization("Bearer alice"), {}).first == 401);
}

TEST_CASE("a valid token passes, without the route's scope it is 403") {
  CHECK(outcome(Access::authenticated(), with_authorization("Bearer alice")).first == 0);
  CHECK(outcome(Access::scope("tasks"), with_authorization("bearer alice")) ==
        std::pair<int, std::string>{0, "alice"});
  auto forbidden = outcome(Access::scope("csv"), with_authorization("Bearer alice"));
  CHECK(forbidden.first == 403);
  CHECK(forbidden.second == R"(Bearer realm="orchestra", error="insufficient_scope", scope="csv")");
  CHECK(outcome(Access::scope("csv"), with_authorization("Bearer root")).first == 0);
}

TEST_CASE("routes are protected unless they say otherwise") {
  CHECK(RouteOptions{}.access.kind() == Access::Kind::authenticated);
}
