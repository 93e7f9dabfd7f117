#pragma once
// Where a request body ends must be read the same way by every hop: a
// front proxy and this server disagreeing lets a client hide a second
// request inside the first one's body (request smuggling). So only the
// framings RFC 9112 §6 leaves no doubt about are accepted.

#include <optional>
#include <string>
#include <string_view>

namespace orchestra::http {

// Why a request head with this Transfer-Encoding (nullopt: none) and a
// Content-Length or not must be refused: only "chunked" alone, and never
// with a Content-Length. nullopt when it is fine.
std::optional<std::string> framing_problem(std::optional<std::string_view> transfer_encoding,
                                           bool has_content_length);

}  // namespace orchestra::http
