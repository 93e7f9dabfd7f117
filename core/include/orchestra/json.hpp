#pragma once
// Reading JSON request bodies with errors a client can act on: malformed
// JSON and wrong field types become HttpError 400 naming the field.

#include <orchestra/http.hpp>

#include <rapidjson/document.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace orchestra::json {

// RapidJSON parses and frees documents recursively: deeper nesting than
// this would let a small body exhaust the stack.
inline constexpr int kMaxDepth = 256;
// False when arrays and objects in `text` nest deeper than kMaxDepth.
bool within_max_depth(std::string_view text);

// Parses `body` as a JSON object; throws HttpError 400 with the offset and
// reason when it is not valid JSON, nests too deeply or is not an object.
rapidjson::Document parse_object(const std::string& body);

std::string to_string(const rapidjson::Value& value);
// `text` as a JSON string literal, quotes included.
std::string quote(std::string_view text);
// A list of strings as a JSON array, and back: for columns that store one.
// Reading skips non-string items and yields nothing for text that is not
// an array.
std::string string_array(const std::vector<std::string>& items);
std::vector<std::string> parse_string_array(const std::string& text);
// Unix milliseconds as an RFC 3339 UTC timestamp, "2026-11-24T23:46:02.123Z".
std::string rfc3339(std::int64_t unix_ms);

// Typed access to the fields of one JSON object. `path` prefixes field names
// in error messages ("items[2].name").
//
// Supported T: bool, std::int64_t, double, std::string,
// std::vector<std::string>, std::vector<std::int64_t>.
class BOOST_SYMBOL_VISIBLE ObjectReader {
 public:
  explicit ObjectReader(const rapidjson::Value& object, std::string path = {});

  template <typename T>
  T require(const char* field) const;
  template <typename T>
  std::optional<T> optional(const char* field) const;

  ObjectReader object(const char* field) const;
  // Fails on any field not in `known`, so typos do not pass silently.
  void only(const std::vector<std::string>& known) const;

 private:
  const rapidjson::Value* find(const char* field, bool required) const;
  std::string name(const char* field) const;

  const rapidjson::Value& object_;
  std::string path_;
};

}  // namespace orchestra::json
