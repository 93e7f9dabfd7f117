#pragma once
// Scope names and their space-separated form (the JWT `scope` claim and the
// users table). `admin` implies every other scope.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace orchestra::auth {

inline constexpr std::string_view kAdminScope = "admin";

// 1-64 characters of [a-z0-9_.:/-]; nullopt when valid, else why not.
std::optional<std::string> scope_problem(std::string_view scope);

std::vector<std::string> split_scopes(std::string_view text);
std::string join_scopes(const std::vector<std::string>& scopes);
// Sorted, without duplicates.
std::vector<std::string> normalized(std::vector<std::string> scopes);

}  // namespace orchestra::auth
