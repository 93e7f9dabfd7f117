#include "auth/password.hpp"

#include <sodium.h>

#include <algorithm>
#include <atomic>
#include <stdexcept>

namespace orchestra::auth {
namespace {

// At most as many requests wait for a slot as there are slots, so hashing
// holds at most twice that many handler threads; the rest are refused at once.
class Slot {
 public:
  Slot(std::counting_semaphore<64>& slots, std::atomic<int>& waiting, int max_waiting,
       std::chrono::milliseconds wait)
      : slots_(slots) {
    if (slots_.try_acquire()) return;
    if (waiting.fetch_add(1) >= max_waiting) {
      waiting.fetch_sub(1);
      throw HashingBusy();
    }
    bool acquired = slots_.try_acquire_for(wait);
    waiting.fetch_sub(1);
    if (!acquired) throw HashingBusy();
  }
  ~Slot() { slots_.release(); }
  Slot(const Slot&) = delete;
  Slot& operator=(const Slot&) = delete;

 private:
  std::counting_semaphore<64>& slots_;
};

std::string argon2id(std::string_view password) {
  std::string encoded(crypto_pwhash_STRBYTES, '\0');
  if (crypto_pwhash_str_alg(encoded.data(), password.data(), password.size(),
                            crypto_pwhash_OPSLIMIT_INTERACTIVE,
                            crypto_pwhash_MEMLIMIT_INTERACTIVE,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    throw std::runtime_error("password hashing ran out of memory");
  }
  encoded.resize(encoded.find('\0'));
  return encoded;
}

// Standard base64 without padding, as encoded hashes carry salt and digest
// (auth/encoding.hpp has the URL alphabet only).
std::string base64(const unsigned char* bytes, std::size_t size) {
  constexpr int kVariant = sodium_base64_VARIANT_ORIGINAL_NO_PADDING;
  std::string text(sodium_base64_ENCODED_LEN(size, kVariant), '\0');
  sodium_bin2base64(text.data(), text.size(), bytes, size, kVariant);
  text.resize(text.find('\0'));
  return text;
}

}  // namespace

std::string unmatchable_hash() {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
  unsigned char salt[crypto_pwhash_SALTBYTES];
  unsigned char digest[32];
  randombytes_buf(salt, sizeof salt);
  randombytes_buf(digest, sizeof digest);
  return "$argon2id$v=19$m=" + std::to_string(crypto_pwhash_MEMLIMIT_INTERACTIVE / 1024) +
         ",t=" + std::to_string(crypto_pwhash_OPSLIMIT_INTERACTIVE) + ",p=1$" +
         base64(salt, sizeof salt) + "$" + base64(digest, sizeof digest);
}

PasswordHasher::PasswordHasher(int parallel, std::chrono::milliseconds wait)
    : slots_(std::clamp(parallel, 1, 64)), parallel_(std::clamp(parallel, 1, 64)), wait_(wait) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
}

std::string PasswordHasher::hash(std::string_view password) {
  Slot slot(slots_, waiting_, parallel_, wait_);
  return argon2id(password);
}

bool PasswordHasher::verify(std::string_view password, const std::string& encoded) {
  Slot slot(slots_, waiting_, parallel_, wait_);
  return crypto_pwhash_str_verify(encoded.c_str(), password.data(), password.size()) == 0;
}

void PasswordHasher::verify_nothing(std::string_view password) { verify(password, decoy_); }

}  // namespace orchestra::auth
