#pragma once
// Password hashing with argon2id (libsodium, interactive limits: 64 MiB and
// 2 passes per hash). Hashing is memory-hard on purpose, so the number of
// hashes running at once is bounded to keep a login flood from exhausting
// memory, and a request that finds every slot busy for `wait` is refused
// rather than queued, so a flood cannot occupy every handler thread.

#include <atomic>
#include <chrono>
#include <semaphore>
#include <stdexcept>
#include <string>
#include <string_view>

namespace orchestra::auth {

// Every hashing slot stayed busy; the caller answers 503.
struct HashingBusy : std::runtime_error {
  HashingBusy() : std::runtime_error("every password hashing slot is busy") {}
};

// An encoded argon2id string with the parameters hash() uses, a random salt
// and a random digest: verifying a password against it costs what verifying
// against a real hash costs, and no password matches it. Made without
// hashing, so a start-up does not spend a whole hash (some 100 ms) on it.
std::string unmatchable_hash();

class PasswordHasher {
 public:
  // At most `parallel` hashes or verifications run at once; each waits up
  // to `wait` for a slot, then throws HashingBusy.
  explicit PasswordHasher(int parallel = 2,
                          std::chrono::milliseconds wait = std::chrono::milliseconds(1000));

  // An encoded "$argon2id$..." string with its own salt and parameters.
  std::string hash(std::string_view password);
  bool verify(std::string_view password, const std::string& encoded);
  // Spends the same time as verify() against a real hash, for logins that
  // name no user: wrong login and wrong password must look the same.
  void verify_nothing(std::string_view password);

 private:
  std::counting_semaphore<64> slots_;
  int parallel_;
  std::atomic<int> waiting_{0};
  std::chrono::milliseconds wait_;
  std::string decoy_ = unmatchable_hash();
};

}  // namespace orchestra::auth
