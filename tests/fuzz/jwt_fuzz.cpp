// libFuzzer target for the JWT parser: any text is claims or InvalidToken,
// and what the input signs with the right secret verifies only when its
// header and claims are ones the codec would accept (checked by signing
// the fuzzed header and payload and verifying them).

#include "auth/jwt.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace {

const orchestra::auth::JwtCodec& codec() {
  static const orchestra::auth::JwtCodec instance(std::string(32, 's'), "orchestra",
                                                  std::chrono::seconds(30));
  return instance;
}

void verify(const std::string& token) {
  try {
    codec().verify(token, 1'780'000'000);
  } catch (const orchestra::auth::InvalidToken&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  verify(std::string(text));
  // The same bytes as a header and a payload, correctly signed: the
  // signature passes, so the JSON checks behind it are reached.
  auto split = text.find('\n');
  if (split != std::string_view::npos) {
    verify(codec().sign_json(text.substr(0, split), text.substr(split + 1)));
  }
  return 0;
}
