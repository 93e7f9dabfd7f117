#pragma once
// The Standard Webhooks signing scheme: a secret "whsec_" + base64 of 32
// random bytes; a signature "v1," + base64 of HMAC-SHA256 keyed with the
// secret's decoded bytes over "<webhook-id>.<webhook-timestamp>.<body>".

#include <cstdint>
#include <string>

namespace notifications {

std::string new_webhook_secret();
// Throws std::invalid_argument when `secret` is not "whsec_" + base64.
std::string sign_webhook(const std::string& secret, const std::string& id,
                         std::int64_t unix_seconds, const std::string& body);
// A random id with a prefix, e.g. "msg_2b8f...": 128 bits, hex.
std::string random_id(const std::string& prefix);

}  // namespace notifications
