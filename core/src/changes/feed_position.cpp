#include <orchestra/changes.hpp>

#include <charconv>
#include <stdexcept>

namespace orchestra::changes {

std::string FeedPosition::text() const {
  return std::to_string(transaction) + "." + std::to_string(sequence);
}

FeedPosition FeedPosition::parse(const std::string& text) {
  auto dot = text.find('.');
  FeedPosition position;
  auto number = [&](std::string_view part, std::int64_t& out) {
    auto [end, error] = std::from_chars(part.data(), part.data() + part.size(), out);
    return error == std::errc{} && end == part.data() + part.size() && out >= 0;
  };
  std::string_view view(text);
  if (dot == std::string::npos || !number(view.substr(0, dot), position.transaction) ||
      !number(view.substr(dot + 1), position.sequence)) {
    throw std::invalid_argument("a feed position is <transaction>.<sequence>, e.g. 0.42");
  }
  return position;
}

}  // namespace orchestra::changes
