#include <orchestra/json.hpp>

namespace orchestra::json {

std::string string_array(const std::vector<std::string>& items) {
  std::string out = "[";
  for (const auto& item : items) {
    if (out.size() > 1) out += ',';
    out += quote(item);
  }
  return out + "]";
}

std::vector<std::string> parse_string_array(const std::string& text) {
  rapidjson::Document document;
  document.Parse(text.c_str(), text.size());
  std::vector<std::string> items;
  if (!document.IsArray()) return items;
  for (const auto& item : document.GetArray()) {
    if (item.IsString()) items.emplace_back(item.GetString(), item.GetStringLength());
  }
  return items;
}

}  // namespace orchestra::json
