#include <orchestra/json.hpp>

#include "log/logging.hpp"

#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <fmt/format.h>

#include <algorithm>

namespace orchestra::json {
namespace {

using http::HttpError;

std::string type_name(const rapidjson::Value& value) {
  if (value.IsNull()) return "null";
  if (value.IsBool()) return "a boolean";
  if (value.IsNumber()) return "a number";
  if (value.IsString()) return "a string";
  if (value.IsArray()) return "an array";
  return "an object";
}

HttpError wrong_type(const std::string& field, const char* expected,
                     const rapidjson::Value& value) {
  return HttpError(400, fmt::format("field '{}' must be {}, got {}", field, expected,
                                    type_name(value)));
}

template <typename T>
struct Convert;

template <>
struct Convert<bool> {
  static bool from(const rapidjson::Value& v, const std::string& field) {
    if (!v.IsBool()) throw wrong_type(field, "a boolean", v);
    return v.GetBool();
  }
};

template <>
struct Convert<std::int64_t> {
  static std::int64_t from(const rapidjson::Value& v, const std::string& field) {
    if (!v.IsInt64()) throw wrong_type(field, "an integer", v);
    return v.GetInt64();
  }
};

template <>
struct Convert<double> {
  static double from(const rapidjson::Value& v, const std::string& field) {
    if (!v.IsNumber()) throw wrong_type(field, "a number", v);
    return v.GetDouble();
  }
};

template <>
struct Convert<std::string> {
  static std::string from(const rapidjson::Value& v, const std::string& field) {
    if (!v.IsString()) throw wrong_type(field, "a string", v);
    return std::string(v.GetString(), v.GetStringLength());
  }
};

template <typename Item>
struct Convert<std::vector<Item>> {
  static std::vector<Item> from(const rapidjson::Value& v, const std::string& field) {
    if (!v.IsArray()) throw wrong_type(field, "an array", v);
    std::vector<Item> items;
    items.reserve(v.Size());
    for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
      items.push_back(Convert<Item>::from(v[i], fmt::format("{}[{}]", field, i)));
    }
    return items;
  }
};

}  // namespace

bool within_max_depth(std::string_view text) {
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxDepth) return false;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return true;
}

rapidjson::Document parse_object(const std::string& body) {
  if (!within_max_depth(body)) {
    throw HttpError(400, fmt::format("JSON nested deeper than {} levels", kMaxDepth));
  }
  rapidjson::Document document;
  document.Parse(body.c_str(), body.size());
  if (document.HasParseError()) {
    throw HttpError(400, fmt::format("malformed JSON at offset {}: {}",
                                     document.GetErrorOffset(),
                                     rapidjson::GetParseError_En(document.GetParseError())));
  }
  if (!document.IsObject()) {
    throw HttpError(400, "the request body must be a JSON object, got " + type_name(document));
  }
  return document;
}

std::string quote(std::string_view text) {
  std::string out = "\"";
  log::append_json_escaped(out, text);
  return out + "\"";
}

std::string to_string(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  value.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

ObjectReader::ObjectReader(const rapidjson::Value& object, std::string path)
    : object_(object), path_(std::move(path)) {}

std::string ObjectReader::name(const char* field) const {
  return path_.empty() ? std::string(field) : path_ + "." + field;
}

const rapidjson::Value* ObjectReader::find(const char* field, bool required) const {
  auto it = object_.FindMember(field);
  if (it == object_.MemberEnd() || it->value.IsNull()) {
    if (required) throw HttpError(400, fmt::format("field '{}' is required", name(field)));
    return nullptr;
  }
  return &it->value;
}

template <typename T>
T ObjectReader::require(const char* field) const {
  return Convert<T>::from(*find(field, true), name(field));
}

template <typename T>
std::optional<T> ObjectReader::optional(const char* field) const {
  const auto* value = find(field, false);
  if (value == nullptr) return std::nullopt;
  return Convert<T>::from(*value, name(field));
}

#define ORCHESTRA_JSON_TYPE(T)                                               \
  template T ObjectReader::require<T>(const char*) const;                    \
  template std::optional<T> ObjectReader::optional<T>(const char*) const;
ORCHESTRA_JSON_TYPE(bool)
ORCHESTRA_JSON_TYPE(std::int64_t)
ORCHESTRA_JSON_TYPE(double)
ORCHESTRA_JSON_TYPE(std::string)
ORCHESTRA_JSON_TYPE(std::vector<std::string>)
ORCHESTRA_JSON_TYPE(std::vector<std::int64_t>)
#undef ORCHESTRA_JSON_TYPE

ObjectReader ObjectReader::object(const char* field) const {
  const auto& value = *find(field, true);
  if (!value.IsObject()) throw wrong_type(name(field), "an object", value);
  return ObjectReader(value, name(field));
}

void ObjectReader::only(const std::vector<std::string>& known) const {
  for (auto it = object_.MemberBegin(); it != object_.MemberEnd(); ++it) {
    std::string field(it->name.GetString(), it->name.GetStringLength());
    if (std::find(known.begin(), known.end(), field) == known.end()) {
      throw HttpError(400, fmt::format("unknown field '{}'", name(field.c_str())));
    }
  }
}

}  // namespace orchestra::json
