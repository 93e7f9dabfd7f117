// libFuzzer target for the JSON body reader: any bytes are an object or an
// HttpError 400 (never a crash or a deep recursion), and every typed read
// of every field answers or throws HttpError.

#include <orchestra/json.hpp>

#include <cstdint>
#include <string>

namespace {

template <typename T>
void read_as(const orchestra::json::ObjectReader& reader, const char* field) {
  try {
    reader.optional<T>(field);
  } catch (const orchestra::http::HttpError&) {
  }
}

void read_every_way(const rapidjson::Value& object, int depth) {
  orchestra::json::ObjectReader reader(object, "body");
  for (const auto& member : object.GetObject()) {
    std::string name(member.name.GetString(), member.name.GetStringLength());
    read_as<bool>(reader, name.c_str());
    read_as<std::int64_t>(reader, name.c_str());
    read_as<double>(reader, name.c_str());
    read_as<std::string>(reader, name.c_str());
    read_as<std::vector<std::string>>(reader, name.c_str());
    read_as<std::vector<std::int64_t>>(reader, name.c_str());
    if (member.value.IsObject() && depth < 8) read_every_way(member.value, depth + 1);
  }
  try {
    reader.only({"a", "b"});
  } catch (const orchestra::http::HttpError&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string body(reinterpret_cast<const char*>(data), size);
  try {
    auto document = orchestra::json::parse_object(body);
    read_every_way(document, 0);
  } catch (const orchestra::http::HttpError& error) {
    if (error.status() != 400) std::abort();
  }
  orchestra::json::parse_string_array(body);
  return 0;
}
