#include "route_support.hpp"

#include <orchestra/json_writer.hpp>
#include <orchestra/text.hpp>

#include <fmt/format.h>

#include <charconv>

namespace notifications {

using orchestra::http::HttpError;

std::optional<std::int64_t> positive_integer(std::string_view text) {
  std::int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size() || value <= 0) return std::nullopt;
  return value;
}

std::optional<std::int64_t> integer_cursor(const orchestra::http::Request& request) {
  auto cursor = request.query_param("cursor");
  if (!cursor) return std::nullopt;
  auto value = positive_integer(*cursor);
  if (!value) throw HttpError(400, "the cursor is not one this list returned");
  return value;
}

std::int64_t id_param(const orchestra::http::Request& request, const std::string& name) {
  auto value = positive_integer(request.path_param(name));
  if (!value) throw HttpError(400, fmt::format("{} must be a positive integer", name));
  return *value;
}

std::optional<std::int64_t> time_query(const orchestra::http::Request& request,
                                       const std::string& name) {
  auto text = request.query_param(name);
  if (!text) return std::nullopt;
  auto value = orchestra::text::parse_rfc3339(*text);
  if (!value) {
    throw HttpError(400, fmt::format("query parameter '{}' must be an RFC 3339 timestamp, "
                                     "e.g. 2026-12-05T00:00:00Z",
                                     name));
  }
  return value;
}

std::optional<bool> bool_query(const orchestra::http::Request& request, const std::string& name) {
  auto text = request.query_param(name);
  if (!text) return std::nullopt;
  if (*text == "true") return true;
  if (*text == "false") return false;
  throw HttpError(400, fmt::format("query parameter '{}' must be true or false", name));
}

std::optional<std::pair<std::int64_t, std::string>> split_cursor(
    const std::optional<std::string>& cursor) {
  if (!cursor) return std::nullopt;
  auto underscore = cursor->find('_');
  std::int64_t number = 0;
  auto text = std::string_view(*cursor).substr(0, underscore);
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (underscore == std::string::npos || error != std::errc{} ||
      end != text.data() + text.size()) {
    throw HttpError(400, "the cursor is not one this list returned");
  }
  return std::pair(number, cursor->substr(underscore + 1));
}

orchestra::http::Response list_response(const std::vector<std::string>& items,
                                        const std::optional<std::string>& next_cursor) {
  orchestra::json::Writer out;
  out.list(items, next_cursor,
           [](orchestra::json::Writer& writer, const std::string& item) { writer.raw(item); });
  return orchestra::http::Response::json(200, out.str());
}

}  // namespace notifications
