#pragma once
// The rules a login and a password must meet; shared by the REST API and
// the `orchestra user` command.

#include <optional>
#include <string>
#include <string_view>

namespace orchestra::auth {

// nullopt when valid, else a message naming the rule broken.
std::optional<std::string> login_problem(std::string_view login);
std::optional<std::string> password_problem(std::string_view password);

}  // namespace orchestra::auth
