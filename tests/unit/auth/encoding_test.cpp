// base64url without padding, SHA-256 hex and random tokens.

#include "auth/encoding.hpp"

#include <doctest/doctest.h>

#include <random>

using namespace orchestra::auth;

TEST_CASE("base64url round-trips every length and byte") {
  std::mt19937 random(7);
  for (std::size_t length = 0; length < 70; ++length) {
    std::string bytes(length, '\0');
    for (auto& byte : bytes) byte = static_cast<char>(random());
    auto encoded = base64url_encode(bytes);
    CHECK(encoded.find_first_of("+/=") == std::string::npos);
    CHECK(base64url_decode(encoded) == bytes);
  }
  CHECK(base64url_encode("{\"alg\":\"HS256\"}") == "eyJhbGciOiJIUzI1NiJ9");
  CHECK(base64url_decode("eyJhbGciOiJIUzI1NiJ9") == "{\"alg\":\"HS256\"}");
}

TEST_CASE("base64url refuses padding, other alphabets, impossible lengths and stray bits") {
  CHECK_FALSE(base64url_decode("eQ=="));
  CHECK_FALSE(base64url_decode("a+b/"));
  CHECK_FALSE(base64url_decode("abcde"));
  CHECK_FALSE(base64url_decode("eR"));  // 'R' leaves non-zero bits after the byte
  CHECK(base64url_decode("eQ") == "y");
  CHECK(base64url_decode("") == "");
}

TEST_CASE("sha256_hex and random tokens") {
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  auto first = random_token("ort_");
  CHECK(first.starts_with("ort_"));
  CHECK(first.size() == 4 + 43);
  CHECK(first != random_token("ort_"));
}
