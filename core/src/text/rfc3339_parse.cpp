#include <orchestra/text.hpp>

#include <charconv>
#include <cstdio>
#include <ctime>
#include <string>

namespace orchestra::text {
namespace {

std::optional<std::int64_t> digits_value(std::string_view text) {
  std::int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// "Z" or "+hh:mm" / "-hh:mm", as seconds east of UTC.
std::optional<std::int64_t> zone_offset(std::string_view rest) {
  if (rest == "Z" || rest == "z") return 0;
  if (rest.size() != 6 || (rest[0] != '+' && rest[0] != '-') || rest[3] != ':') {
    return std::nullopt;
  }
  auto hours = digits_value(rest.substr(1, 2)), minutes = digits_value(rest.substr(4, 2));
  if (!hours || !minutes || *hours > 23 || *minutes > 59) return std::nullopt;
  return (*hours * 60 + *minutes) * 60 * (rest[0] == '-' ? -1 : 1);
}

}  // namespace

std::optional<std::int64_t> parse_rfc3339(std::string_view view) {
  std::string text(view);
  std::tm tm{};
  int consumed = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon,
                  &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &consumed) != 6 ||
      consumed != 19 || (text[10] != 'T' && text[10] != 't')) {
    return std::nullopt;
  }
  std::string_view rest = std::string_view(text).substr(19);
  std::int64_t millis = 0;
  if (!rest.empty() && rest.front() == '.') {
    auto digits = rest.substr(1, rest.find_first_not_of("0123456789", 1) - 1);
    if (digits.empty()) return std::nullopt;
    millis = *digits_value((std::string(digits) + "00").substr(0, 3));
    rest.remove_prefix(1 + digits.size());
  }
  auto offset = zone_offset(rest);
  if (!offset || tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
      tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60 || tm.tm_year < 0) {
    return std::nullopt;
  }
  auto day = tm.tm_mday, month = tm.tm_mon;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  auto seconds = static_cast<std::int64_t>(timegm(&tm));
  // timegm normalises 2026-02-31 into March: such dates are refused.
  if (tm.tm_mday != day || tm.tm_mon != month - 1) return std::nullopt;
  return (seconds - *offset) * 1000 + millis;
}

}  // namespace orchestra::text
