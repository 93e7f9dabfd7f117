#pragma once
// What every libcurl user in the core needs (the HTTP client and the S3
// blob store): one global initialisation and the reading of header lines.

#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace orchestra::http_client {

// Initialises libcurl once per process; call before the first handle.
void ensure_curl_initialised();

std::string lower_ascii(std::string text);

// Without the spaces, tabs, CRs and LFs around it.
std::string trim_header_value(std::string_view text);

// "Name: value\r\n" as a lower-case name and a trimmed value; nullopt for a
// line without a colon (the status line, the blank line ending headers).
std::optional<std::pair<std::string, std::string>> parse_header_line(std::string_view line);

}  // namespace orchestra::http_client
