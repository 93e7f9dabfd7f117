#include "auth/scopes.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace orchestra::auth {

std::optional<std::string> scope_problem(std::string_view scope) {
  if (scope.empty() || scope.size() > 64) {
    return fmt::format("scope '{}' must be 1 to 64 characters long", scope);
  }
  for (char c : scope) {
    bool allowed = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
                   c == ':' || c == '/' || c == '-';
    if (!allowed) {
      return fmt::format("scope '{}' may only contain a-z, 0-9 and _ . : / -", scope);
    }
  }
  return std::nullopt;
}

std::vector<std::string> split_scopes(std::string_view text) {
  std::vector<std::string> scopes;
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find(' ', start);
    if (end == std::string_view::npos) end = text.size();
    if (end > start) scopes.emplace_back(text.substr(start, end - start));
    start = end + 1;
  }
  return scopes;
}

std::string join_scopes(const std::vector<std::string>& scopes) {
  return fmt::format("{}", fmt::join(scopes, " "));
}

std::vector<std::string> normalized(std::vector<std::string> scopes) {
  std::sort(scopes.begin(), scopes.end());
  scopes.erase(std::unique(scopes.begin(), scopes.end()), scopes.end());
  return scopes;
}

}  // namespace orchestra::auth
