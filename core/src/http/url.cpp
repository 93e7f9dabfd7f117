#include "http/url.hpp"

namespace orchestra::http {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space) {
  std::string decoded;
  decoded.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      int high = hex_value(text[i + 1]);
      int low = hex_value(text[i + 2]);
      if (high < 0 || low < 0) return std::nullopt;
      decoded += static_cast<char>(high * 16 + low);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      decoded += ' ';
    } else {
      decoded += c;
    }
  }
  return decoded;
}

std::optional<std::multimap<std::string, std::string>> parse_query(std::string_view text) {
  std::multimap<std::string, std::string> query;
  while (!text.empty()) {
    auto amp = text.find('&');
    auto part = text.substr(0, amp);
    text = amp == std::string_view::npos ? std::string_view{} : text.substr(amp + 1);
    if (part.empty()) continue;
    auto equals = part.find('=');
    auto key = percent_decode(part.substr(0, equals), true);
    auto value = equals == std::string_view::npos
                     ? std::optional<std::string>("")
                     : percent_decode(part.substr(equals + 1), true);
    if (!key || !value) return std::nullopt;
    query.emplace(std::move(*key), std::move(*value));
  }
  return query;
}

}  // namespace orchestra::http
