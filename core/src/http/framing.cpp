#include "http/framing.hpp"

#include <algorithm>
#include <cctype>

namespace orchestra::http {

std::optional<std::string> framing_problem(std::optional<std::string_view> transfer_encoding,
                                           bool has_content_length) {
  if (!transfer_encoding) return std::nullopt;
  // Whitespace may surround the list's one element, never split it:
  // "c hunked" is no coding Beast (or any hop) knows.
  std::string_view coding = *transfer_encoding;
  while (!coding.empty() && (coding.front() == ' ' || coding.front() == '\t')) coding.remove_prefix(1);
  while (!coding.empty() && (coding.back() == ' ' || coding.back() == '\t')) coding.remove_suffix(1);
  std::string lowered;
  for (char c : coding) lowered += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lowered != "chunked") {
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
