#pragma once
// ISO 3166-1 alpha-2 country codes, as Steam's `cc` parameter takes them.

#include <string_view>

namespace steam_sync {

// True for the 249 officially assigned codes, upper case ("US", "GB").
bool is_country_code(std::string_view code);

}  // namespace steam_sync
