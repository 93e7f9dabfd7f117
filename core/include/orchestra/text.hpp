#pragma once
// Standard textual formats that more than one plugin reads from users.

#include <cstdint>
#include <optional>
#include <string_view>

namespace orchestra::text {

// True for the 249 officially assigned ISO 3166-1 alpha-2 country codes,
// upper case ("US", "GB").
bool is_country_code(std::string_view code);

// An RFC 3339 timestamp with a time zone ("2026-11-30T12:00:00Z",
// "2026-11-30T13:00:00.250+01:00") as Unix milliseconds; nullopt when it is
// not one or names an impossible date (2026-02-31).
std::optional<std::int64_t> parse_rfc3339(std::string_view text);

}  // namespace orchestra::text
