#pragma once
// Credentials for tests that talk to a TestServer: tokens signed with the
// secret every TestServer is started with, as the server would sign them.

#include <string>
#include <vector>

namespace orchestra::testing {

inline constexpr const char* kTestSecret = "test-secret-0123456789abcdef0123456789abcdef";

// "Bearer <access token>" for a principal holding `scopes`.
std::string bearer(const std::vector<std::string>& scopes, const std::string& subject = "tester");

}  // namespace orchestra::testing
