#include "support/auth.hpp"

#include "auth/jwt.hpp"

namespace orchestra::testing {

std::string bearer(const std::vector<std::string>& scopes, const std::string& subject) {
  auth::JwtCodec codec(kTestSecret, "orchestra", std::chrono::seconds(30));
  auto now = auth::unix_now();
  return "Bearer " + codec.sign({subject, subject, scopes, now, now + 3600});
}

}  // namespace orchestra::testing
