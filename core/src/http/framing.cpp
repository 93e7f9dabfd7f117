#include "http/framing.hpp"

#include <algorithm>
#include <cctype>

namespace orchestra::http {

std::optional<std::string> framing_problem(std::optional<std::string_view> transfer_encoding,
                                           bool has_content_length) {
  if (!transfer_encoding) return std::nullopt;
  std::string codings;
  for (char c : *transfer_encoding) {
    if (c != ' ' && c != '\t') codings += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (codings != "chunked") {
    return "Transfer-Encoding must be chunked alone (RFC 9112 section 6.1); other codings are "
           "not accepted";
  }
  if (has_content_length) {
    return "a request cannot have both Transfer-Encoding and Content-Length (RFC 9112 section "
           "6.3)";
  }
  return std::nullopt;
}

}  // namespace orchestra::http
