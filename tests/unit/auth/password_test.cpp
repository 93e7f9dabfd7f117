// auth::PasswordHasher: argon2id hashes with their own salt; verification
// accepts only the password that was hashed.

#include "auth/password.hpp"

#include <doctest/doctest.h>
#include <sodium.h>

#include <atomic>
#include <thread>
#include <vector>

using orchestra::auth::PasswordHasher;

TEST_CASE("passwords hash with argon2id and verify") {
  PasswordHasher hasher;
  auto encoded = hasher.hash("correct horse battery staple");
  CHECK(encoded.starts_with("$argon2id$"));
  CHECK(hasher.verify("correct horse battery staple", encoded));
  CHECK_FALSE(hasher.verify("correct horse battery stapl", encoded));
  CHECK_FALSE(hasher.verify("", encoded));
}

TEST_CASE("the same password hashes differently each time (salted)") {
  PasswordHasher hasher;
  auto first = hasher.hash("password1");
  auto second = hasher.hash("password1");
  CHECK(first != second);
  CHECK(hasher.verify("password1", first));
  CHECK(hasher.verify("password1", second));
}

TEST_CASE("a stored value that is not a hash never verifies") {
  PasswordHasher hasher;
  CHECK_FALSE(hasher.verify("password1", "password1"));
  CHECK_FALSE(hasher.verify("password1", ""));
  CHECK_FALSE(hasher.verify("password1", "$argon2id$v=19$m=65536,t=2,p=1$garbage"));
  CHECK_NOTHROW(hasher.verify_nothing("password1"));
}

TEST_CASE("the decoy for unknown logins has a real hash's parameters and shape, and matches "
          "no password") {
  PasswordHasher hasher;
  auto real = hasher.hash("password1");
  auto decoy = orchestra::auth::unmatchable_hash();
  CHECK(decoy != orchestra::auth::unmatchable_hash());
  CHECK(crypto_pwhash_str_needs_rehash(decoy.c_str(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                                       crypto_pwhash_MEMLIMIT_INTERACTIVE) == 0);
  auto parameters = [](const std::string& encoded) {
    return encoded.substr(0, encoded.rfind('$', encoded.rfind('$') - 1));
  };
  CHECK(parameters(decoy) == parameters(real));
  CHECK(decoy.size() == real.size());
  CHECK_FALSE(hasher.verify("password1", decoy));
  CHECK_FALSE(hasher.verify("", decoy));
}

TEST_CASE("with every slot busy, a hash is refused instead of queued behind them") {
  using namespace std::chrono_literals;
  // A wait long enough that, without the cap, every thread would hash.
  PasswordHasher hasher(1, 10s);
  std::atomic<int> refused = 0, hashed = 0;
  std::vector<std::thread> floods;
  for (int i = 0; i < 6; ++i) {
    floods.emplace_back([&] {
      try {
        hasher.hash("password1");
        ++hashed;
      } catch (const orchestra::auth::HashingBusy&) {
        ++refused;
      }
    });
  }
  for (auto& thread : floods) thread.join();
  // One hashes at once and at most one more waits; the others are refused.
  CHECK(hashed >= 1);
  CHECK(refused >= 3);
  CHECK(hashed + refused == 6);
}
