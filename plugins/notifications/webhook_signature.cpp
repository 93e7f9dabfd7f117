#include "webhook_signature.hpp"

#include <fmt/format.h>
#include <sodium.h>

#include <array>
#include <stdexcept>
#include <vector>

namespace notifications {
namespace {

constexpr std::string_view kSecretPrefix = "whsec_";

std::string base64(const unsigned char* bytes, std::size_t size) {
  std::string out(sodium_base64_encoded_len(size, sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), bytes, size, sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.size() - 1);  // the terminating NUL
  return out;
}

std::vector<unsigned char> secret_key(const std::string& secret) {
  if (secret.rfind(kSecretPrefix, 0) != 0) {
    throw std::invalid_argument("a webhook secret starts with whsec_");
  }
  auto encoded = std::string_view(secret).substr(kSecretPrefix.size());
  std::vector<unsigned char> key(encoded.size());
  std::size_t length = 0;
  if (sodium_base642bin(key.data(), key.size(), encoded.data(), encoded.size(), nullptr, &length,
                        nullptr, sodium_base64_VARIANT_ORIGINAL) != 0 ||
      length == 0) {
    throw std::invalid_argument("a webhook secret is whsec_ followed by base64");
  }
  key.resize(length);
  return key;
}

}  // namespace

std::string new_webhook_secret() {
  std::array<unsigned char, 32> bytes;
  randombytes_buf(bytes.data(), bytes.size());
  return std::string(kSecretPrefix) + base64(bytes.data(), bytes.size());
}

std::string sign_webhook(const std::string& secret, const std::string& id,
                         std::int64_t unix_seconds, const std::string& body) {
  auto key = secret_key(secret);
  auto signed_content = fmt::format("{}.{}.", id, unix_seconds);
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, key.data(), key.size());
  crypto_auth_hmacsha256_update(
      &state, reinterpret_cast<const unsigned char*>(signed_content.data()), signed_content.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(body.data()),
                                body.size());
  std::array<unsigned char, crypto_auth_hmacsha256_BYTES> mac;
  crypto_auth_hmacsha256_final(&state, mac.data());
  return "v1," + base64(mac.data(), mac.size());
}

std::string random_id(const std::string& prefix) {
  std::array<unsigned char, 16> bytes;
  randombytes_buf(bytes.data(), bytes.size());
  std::array<char, 33> hex;
  sodium_bin2hex(hex.data(), hex.size(), bytes.data(), bytes.size());
  return prefix + hex.data();
}

}  // namespace notifications
