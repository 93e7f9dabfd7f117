// libFuzzer target for the JWT parser: any text is claims or InvalidToken;
// a token that verifies carries exactly the signature of its header and
// payload; and the fuzzed bytes split into a header and a payload and
// signed with the right secret reach the JSON checks behind the signature.

#include "auth/encoding.hpp"
#include "auth/jwt.hpp"

#include <cstdint>
#include <cstdlib>
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
    return;
  }
  auto first = token.find('.');
  auto second = token.find('.', first + 1);
  auto header = orchestra::auth::base64url_decode(std::string_view(token).substr(0, first));
  auto payload =
      orchestra::auth::base64url_decode(std::string_view(token).substr(first + 1, second - first - 1));
  if (!header || !payload || codec().sign_json(*header, *payload) != token) std::abort();
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
