#pragma once
// Writing JSON responses: one writer for every route, so every answer has
// the same timestamps (RFC 3339 UTC strings, "2026-11-24T23:46:02.123Z")
// and lists the same envelope ({"items": [...], "next_cursor": ...}).
//
//   json::Writer out;
//   out.object().field("id", id).time("created_at", ms).end_object();
//   return Response::json(200, out.str());

#include <orchestra/json.hpp>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace orchestra::json {

class Writer {
 public:
  Writer() : out_(buffer_) {}

  Writer& object() { return done(out_.StartObject()); }
  Writer& end_object() { return done(out_.EndObject()); }
  Writer& array() { return done(out_.StartArray()); }
  Writer& end_array() { return done(out_.EndArray()); }
  Writer& key(std::string_view name) {
    return done(out_.Key(name.data(), static_cast<rapidjson::SizeType>(name.size())));
  }

  Writer& value(std::string_view text) {
    return done(out_.String(text.data(), static_cast<rapidjson::SizeType>(text.size())));
  }
  Writer& value(const char* text) { return value(std::string_view(text)); }
  Writer& value(const std::string& text) { return value(std::string_view(text)); }
  Writer& value(bool flag) { return done(out_.Bool(flag)); }
  Writer& value(int number) { return done(out_.Int64(number)); }
  Writer& value(std::int64_t number) { return done(out_.Int64(number)); }
  Writer& value(long long number) { return done(out_.Int64(number)); }
  Writer& value(std::uint64_t number) { return done(out_.Uint64(number)); }
  Writer& value(unsigned number) { return done(out_.Uint(number)); }
  // JSON has no NaN or infinity: they are written as null.
  Writer& value(double number) {
    return std::isfinite(number) ? done(out_.Double(number)) : null();
  }
  Writer& null() { return done(out_.Null()); }
  template <typename T>
  Writer& value(const std::optional<T>& maybe) {
    return maybe ? value(*maybe) : null();
  }
  template <typename T>
  Writer& value(const std::vector<T>& items) {
    array();
    for (const auto& item : items) value(item);
    return end_array();
  }
  // A JSON document stored as text (a task's payload, a plugin's document).
  Writer& raw(std::string_view json) {
    return done(out_.RawValue(json.data(), json.size(), rapidjson::kObjectType));
  }
  Writer& time_value(std::int64_t unix_ms) { return value(rfc3339(unix_ms)); }

  template <typename T>
  Writer& field(std::string_view name, const T& item) {
    return key(name).value(item);
  }
  Writer& null_field(std::string_view name) { return key(name).null(); }
  Writer& raw_field(std::string_view name, std::string_view json) { return key(name).raw(json); }
  Writer& time(std::string_view name, std::int64_t unix_ms) {
    return key(name).time_value(unix_ms);
  }
  Writer& time(std::string_view name, const std::optional<std::int64_t>& unix_ms) {
    return unix_ms ? time(name, *unix_ms) : null_field(name);
  }

  // The list envelope: `write(item)` writes each item.
  template <typename T, typename Write>
  Writer& list(const std::vector<T>& items, const std::optional<std::string>& next_cursor,
               Write write) {
    object().key("items").array();
    for (const auto& item : items) write(*this, item);
    end_array().field("next_cursor", next_cursor);
    return end_object();
  }

  std::string str() const { return buffer_.GetString(); }

 private:
  Writer& done(bool) { return *this; }

  rapidjson::StringBuffer buffer_;
  rapidjson::Writer<rapidjson::StringBuffer> out_;
};

}  // namespace orchestra::json
