// auth::LoginLimiter: failures count strictly per (login, address) and
// loosely per login and per address; a right password gives its attempt
// back. auth::RegistrationLimiter: registrations per address.

#include "auth/login_limiter.hpp"

#include <doctest/doctest.h>

using orchestra::auth::LoginLimiter;
using orchestra::auth::LoginLimits;
using orchestra::auth::RegistrationLimiter;
using namespace std::chrono_literals;

namespace {

LoginLimits limits(int pair, int login, int address) { return {pair, login, address, 60s}; }

}  // namespace

TEST_CASE("ten failures a minute per login and address, then a wait that refills") {
  LoginLimiter limiter(limits(10, 100, 100));
  auto start = LoginLimiter::Clock::now();
  for (int i = 0; i < 10; ++i) CHECK_FALSE(limiter.admit("alice", "10.0.0.1", start));
  auto wait = limiter.admit("alice", "10.0.0.1", start);
  REQUIRE(wait);
  CHECK(*wait == 6s);
  CHECK(limiter.admit("alice", "10.0.0.1", start + 5s));
  CHECK_FALSE(limiter.admit("alice", "10.0.0.1", start + 6s));
}

TEST_CASE("guesses from another address do not lock out the owner") {
  LoginLimiter limiter(limits(10, 100, 100));
  auto start = LoginLimiter::Clock::now();
  for (int i = 0; i < 30; ++i) limiter.admit("alice", "127.0.0.2", start);
  CHECK(limiter.admit("alice", "127.0.0.2", start));
  CHECK_FALSE(limiter.admit("alice", "127.0.0.1", start));
}

TEST_CASE("the per-login limit is loose but holds against many addresses") {
  LoginLimiter limiter(limits(10, 20, 100));
  auto start = LoginLimiter::Clock::now();
  for (int i = 0; i < 20; ++i) CHECK_FALSE(limiter.admit("alice", "10.0.0." + std::to_string(i), start));
  CHECK(limiter.admit("alice", "10.0.0.99", start));
  CHECK_FALSE(limiter.admit("bob", "10.0.0.99", start));
}

TEST_CASE("the per-address limit holds against many logins") {
  LoginLimiter limiter(limits(10, 100, 20));
  auto start = LoginLimiter::Clock::now();
  for (int i = 0; i < 20; ++i) CHECK_FALSE(limiter.admit("user" + std::to_string(i), "10.0.0.1", start));
  CHECK(limiter.admit("someone-new", "10.0.0.1", start));
  CHECK_FALSE(limiter.admit("someone-new", "10.0.0.2", start));
}

TEST_CASE("a right password gives its attempt back, so the owner is never limited") {
  LoginLimiter limiter(limits(3, 100, 100));
  auto start = LoginLimiter::Clock::now();
  for (int i = 0; i < 50; ++i) {
    REQUIRE_FALSE(limiter.admit("alice", "10.0.0.1", start));
    limiter.give_back("alice", "10.0.0.1", start);
  }
}

TEST_CASE("a refused attempt uses up no bucket") {
  LoginLimiter limiter(limits(2, 3, 100));
  auto start = LoginLimiter::Clock::now();
  CHECK_FALSE(limiter.admit("alice", "a", start));
  CHECK_FALSE(limiter.admit("alice", "a", start));
  CHECK(limiter.admit("alice", "a", start));
  CHECK(limiter.admit("alice", "a", start));
  // Only two of alice's three per-login tokens went.
  CHECK_FALSE(limiter.admit("alice", "b", start));
  CHECK(limiter.admit("alice", "c", start));
}

TEST_CASE("registrations are limited per address") {
  RegistrationLimiter limiter(2, 1h);
  auto start = LoginLimiter::Clock::now();
  CHECK_FALSE(limiter.admit("10.0.0.1", start));
  CHECK_FALSE(limiter.admit("10.0.0.1", start));
  auto wait = limiter.admit("10.0.0.1", start);
  REQUIRE(wait);
  CHECK(*wait == 1800s);
  CHECK_FALSE(limiter.admit("10.0.0.2", start));
}

TEST_CASE("guesses from many addresses exhaust the per-login limit, but not for an address the owner signed in from") {
  LoginLimiter limiter(limits(10, 20, 100));
  auto start = LoginLimiter::Clock::now();
  REQUIRE_FALSE(limiter.admit("alice", "owner", start));
  limiter.succeeded("alice", "owner", start);
  for (int i = 0; i < 20; ++i) limiter.admit("alice", "10.0.0." + std::to_string(i), start);
  CHECK(limiter.admit("alice", "10.0.0.99", start));
  CHECK_FALSE(limiter.admit("alice", "owner", start));
}
