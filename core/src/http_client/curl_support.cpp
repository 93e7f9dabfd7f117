#include "http_client/curl_support.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>

namespace orchestra::http_client {

void ensure_curl_initialised() {
  // A function-local static: initialised once, thread-safely, on first use.
  static const CURLcode result = curl_global_init(CURL_GLOBAL_DEFAULT);
  (void)result;
}

std::string lower_ascii(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

std::string trim_header_value(std::string_view text) {
  auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  auto last = text.find_last_not_of(" \t\r\n");
  return std::string(text.substr(first, last - first + 1));
}

std::optional<std::pair<std::string, std::string>> parse_header_line(std::string_view line) {
  auto colon = line.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  return std::pair{lower_ascii(std::string(line.substr(0, colon))),
                   trim_header_value(line.substr(colon + 1))};
}

}  // namespace orchestra::http_client
