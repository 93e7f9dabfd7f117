// The login and password rules of registration.

#include "auth/credentials.hpp"

#include <doctest/doctest.h>

using namespace orchestra::auth;

TEST_CASE("logins are 3 to 64 characters of letters, digits, dot, underscore and dash") {
  CHECK_FALSE(login_problem("bob"));
  CHECK_FALSE(login_problem("Alice.Smith_2-x"));
  CHECK_FALSE(login_problem(std::string(64, 'a')));
  CHECK(login_problem("ab"));
  CHECK(login_problem(std::string(65, 'a')));
  CHECK(login_problem("with space"));
  CHECK(login_problem("émile"));
  CHECK(login_problem("a@b.c"));
}

TEST_CASE("passwords are 8 to 128 characters, counted as characters, not bytes") {
  CHECK_FALSE(password_problem("12345678"));
  CHECK(password_problem("1234567"));
  CHECK_FALSE(password_problem(std::string(128, 'x')));
  CHECK(password_problem(std::string(129, 'x')));
  CHECK_FALSE(password_problem("éééééééé"));  // 8 characters, 16 bytes
  CHECK(password_problem(std::string("1234\0" "5678", 9)));
}
