#pragma once
// Password hashing with argon2id (libsodium, interactive limits: 64 MiB and
// 2 passes per hash). Hashing is memory-hard on purpose, so the number of
// hashes running at once is bounded to keep a login flood from exhausting
// memory.

#include <semaphore>
#include <string>
#include <string_view>

namespace orchestra::auth {

class PasswordHasher {
 public:
  // At most `parallel` hashes or verifications run at once.
  explicit PasswordHasher(int parallel = 2);

  // An encoded "$argon2id$..." string with its own salt and parameters.
  std::string hash(std::string_view password);
  bool verify(std::string_view password, const std::string& encoded);
  // Spends the same time as verify() against a real hash, for logins that
  // name no user: wrong login and wrong password must look the same.
  void verify_nothing(std::string_view password);

 private:
  std::counting_semaphore<64> slots_;
  std::string decoy_;
};

}  // namespace orchestra::auth
