// auth::LoginLimiter: a token bucket per login and per client address.

#include "auth/login_limiter.hpp"

#include <doctest/doctest.h>

using orchestra::auth::LoginLimiter;
using namespace std::chrono_literals;

TEST_CASE("ten attempts a minute per login, then a wait that refills") {
  LoginLimiter limiter(10, 60s);
  auto start = LoginLimiter::Clock::now();
  for (int i = 0; i < 10; ++i) CHECK_FALSE(limiter.admit("alice", "10.0.0." + std::to_string(i), start));
  auto wait = limiter.admit("alice", "10.0.0.99", start);
  REQUIRE(wait);
  CHECK(*wait == 6s);
  CHECK(limiter.admit("alice", "10.0.0.99", start + 5s));
  CHECK_FALSE(limiter.admit("alice", "10.0.0.99", start + 6s));
  CHECK_FALSE(limiter.admit("bob", "10.0.0.1", start));
}

TEST_CASE("ten attempts a minute per address, whatever the logins") {
  LoginLimiter limiter(10, 60s);
  auto start = LoginLimiter::Clock::now();
  for (int i = 0; i < 10; ++i) CHECK_FALSE(limiter.admit("user" + std::to_string(i), "10.0.0.1", start));
  CHECK(limiter.admit("someone-new", "10.0.0.1", start));
  CHECK_FALSE(limiter.admit("someone-new", "10.0.0.2", start));
}

TEST_CASE("a refused attempt does not use up the other bucket") {
  LoginLimiter limiter(2, 60s);
  auto start = LoginLimiter::Clock::now();
  CHECK_FALSE(limiter.admit("alice", "a", start));
  CHECK_FALSE(limiter.admit("alice", "a", start));
  CHECK(limiter.admit("alice", "b", start));
  CHECK(limiter.admit("alice", "b", start));
  CHECK_FALSE(limiter.admit("bob", "b", start));
  CHECK_FALSE(limiter.admit("bob", "b", start));
}
