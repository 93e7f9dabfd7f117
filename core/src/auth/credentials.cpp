#include "auth/credentials.hpp"

#include <algorithm>

namespace orchestra::auth {
namespace {

std::size_t utf8_length(std::string_view text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

}  // namespace

std::optional<std::string> login_problem(std::string_view login) {
  bool allowed = std::all_of(login.begin(), login.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '.' || c == '_' || c == '-';
  });
  if (login.size() < 3 || login.size() > 64 || !allowed) {
    return "'login' must be 3 to 64 characters of A-Z, a-z, 0-9, '.', '_' and '-'";
  }
  return std::nullopt;
}

std::optional<std::string> password_problem(std::string_view password) {
  auto length = utf8_length(password);
  if (length < 8 || length > 128) return "'password' must be 8 to 128 characters long";
  if (password.find('\0') != std::string_view::npos) return "'password' must not contain NUL";
  return std::nullopt;
}

}  // namespace orchestra::auth
