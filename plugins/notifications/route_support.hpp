#pragma once
// Small pieces every route file of the plugin uses: typed path and query
// parameters with 400s that name them, and the list envelope.

#include <orchestra/http.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace notifications {

std::optional<std::int64_t> positive_integer(std::string_view text);
// A positive integer path parameter; HttpError 400 naming it otherwise.
std::int64_t id_param(const orchestra::http::Request& request, const std::string& name);
// An RFC 3339 query parameter as Unix ms; HttpError 400 when malformed.
std::optional<std::int64_t> time_query(const orchestra::http::Request& request,
                                       const std::string& name);
// "true"/"false" query parameter.
std::optional<bool> bool_query(const orchestra::http::Request& request, const std::string& name);
// The `cursor` query parameter of a list ordered by integer id.
std::optional<std::int64_t> integer_cursor(const orchestra::http::Request& request);
// A cursor made of an integer and a text part, "<n>_<text>".
std::optional<std::pair<std::int64_t, std::string>> split_cursor(
    const std::optional<std::string>& cursor);

// {"items":[...],"next_cursor":...}: one shape for every list.
orchestra::http::Response list_response(const std::vector<std::string>& items,
                                        const std::optional<std::string>& next_cursor);

}  // namespace notifications
