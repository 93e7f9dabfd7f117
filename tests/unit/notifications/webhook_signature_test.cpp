// Webhook signing against the Standard Webhooks specification's own
// example, and the shape of generated secrets.

#include "webhook_signature.hpp"

#include <doctest/doctest.h>
#include <sodium.h>

#include <stdexcept>
#include <vector>

using namespace notifications;

TEST_CASE("webhook signature: the Standard Webhooks example signs as the spec says") {
  // Expected value computed outside the plugin (Python's hmac module).
  CHECK(sign_webhook("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek",
                     1614265330, R"({"test": 2432232314})") ==
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
}

TEST_CASE("webhook signature: a secret is whsec_ and the base64 of 32 random bytes") {
  REQUIRE(sodium_init() >= 0);
  auto secret = new_webhook_secret();
  REQUIRE(secret.rfind("whsec_", 0) == 0);
  std::vector<unsigned char> bytes(64);
  std::size_t length = 0;
  auto encoded = secret.substr(6);
  REQUIRE(sodium_base642bin(bytes.data(), bytes.size(), encoded.data(), encoded.size(), nullptr,
                            &length, nullptr, sodium_base64_VARIANT_ORIGINAL) == 0);
  CHECK(length == 32);
  CHECK(new_webhook_secret() != secret);
  CHECK_THROWS_AS(sign_webhook("nope", "msg", 1, "{}"), std::invalid_argument);
  CHECK_THROWS_AS(sign_webhook("whsec_!!!", "msg", 1, "{}"), std::invalid_argument);
}
