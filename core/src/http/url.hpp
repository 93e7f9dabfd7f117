#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace orchestra::http {

// Decodes %XX escapes (and '+' as space when `plus_is_space`); nullopt when
// an escape is malformed.
std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space);

// Parses "a=1&b=x%20y"; nullopt when any part is malformed.
std::optional<std::multimap<std::string, std::string>> parse_query(std::string_view text);

}  // namespace orchestra::http
