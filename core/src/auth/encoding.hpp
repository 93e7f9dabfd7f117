#pragma once
// Byte encodings and digests the identity code shares: base64url without
// padding (JWT segments, opaque tokens) and SHA-256 (stored token hashes).

#include <optional>
#include <string>
#include <string_view>

namespace orchestra::auth {

std::string base64url_encode(std::string_view bytes);
// nullopt when `text` is not unpadded base64url.
std::optional<std::string> base64url_decode(std::string_view text);

// Lower-case hex SHA-256 of `text`: tokens are stored only as this.
std::string sha256_hex(std::string_view text);

// `prefix` followed by 256 random bits in base64url.
std::string random_token(std::string_view prefix = {});

}  // namespace orchestra::auth
