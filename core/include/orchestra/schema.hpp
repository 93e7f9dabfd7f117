#pragma once
// Pieces of JSON Schema for RouteOptions (request, responses, query), so
// routes declare the API's shared shapes the same way everywhere.

#include <string>
#include <utility>
#include <vector>

namespace orchestra::schema {

// An RFC 3339 UTC timestamp, as every route writes them.
inline const std::string kTimestamp = R"({"type":"string","format":"date-time"})";
inline const std::string kOptionalTimestamp = R"({"type":["string","null"],"format":"date-time"})";
inline const std::string kString = R"({"type":"string"})";
inline const std::string kOptionalString = R"({"type":["string","null"]})";
inline const std::string kInteger = R"({"type":"integer"})";
inline const std::string kBoolean = R"({"type":"boolean"})";
inline const std::string kStrings = R"({"type":"array","items":{"type":"string"}})";
// Any JSON value a plugin stored (a payload, a result).
inline const std::string kAny = R"({})";

using Fields = std::vector<std::pair<std::string, std::string>>;

// An object a client sends: these fields, the `required` ones must be there.
inline std::string body(const Fields& fields, const std::vector<std::string>& required) {
  std::string properties, names;
  for (const auto& [name, schema] : fields) {
    properties += (properties.empty() ? "\"" : ",\"") + name + "\":" + schema;
  }
  for (const auto& name : required) names += (names.empty() ? "\"" : ",\"") + name + "\"";
  return R"({"type":"object","additionalProperties":false,"required":[)" + names +
         R"(],"properties":{)" + properties + "}}";
}

// An object with exactly these fields, all present (nullable ones say so
// in their type): what the routes answer.
inline std::string record(const Fields& fields) {
  std::vector<std::string> every;
  for (const auto& field : fields) every.push_back(field.first);
  return body(fields, every);
}

// The list envelope: {"items": [<item>...], "next_cursor": string|null}.
inline std::string list_of(const std::string& item) {
  return R"({"type":"object","required":["items","next_cursor"],"additionalProperties":false,)"
         R"("properties":{"items":{"type":"array","items":)" +
         item + R"(},"next_cursor":{"type":["string","null"]}}})";
}

// Query parameters `limit` (1..max) and `cursor`, of every list.
inline std::string limit_schema(int max) {
  return R"({"type":"integer","minimum":1,"maximum":)" + std::to_string(max) + "}";
}

}  // namespace orchestra::schema
