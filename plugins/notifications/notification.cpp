#include "notification.hpp"

#include <orchestra/json.hpp>

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <stdexcept>

namespace notifications {

std::string inbox_item_json(const InboxItem& item) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> out(buffer);
  const auto& n = item.notification;
  out.StartObject();
  out.Key("id");
  out.Int64(item.id);
  out.Key("kind");
  out.String(n.kind);
  out.Key("title");
  out.String(n.title);
  out.Key("data");
  out.RawValue(n.data.data(), n.data.size(), rapidjson::kObjectType);
  out.Key("created_at");
  out.String(orchestra::json::rfc3339(n.created_at));
  out.Key("read_at");
  if (item.read_at) {
    out.String(orchestra::json::rfc3339(*item.read_at));
  } else {
    out.Null();
  }
  out.EndObject();
  return buffer.GetString();
}

std::string inbox_item_event(const InboxItem& item) {
  // The JSON writer escapes line breaks, so the data fits on one line.
  return fmt::format("id: {}\nevent: {}\ndata: {}\n\n", item.id, item.notification.kind,
                     inbox_item_json(item));
}

std::string notification_json(const Notification& n) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> out(buffer);
  out.StartObject();
  out.Key("kind");
  out.String(n.kind);
  out.Key("key");
  out.String(n.key);
  out.Key("title");
  out.String(n.title);
  out.Key("data");
  out.RawValue(n.data.data(), n.data.size(), rapidjson::kObjectType);
  out.Key("created_at");
  out.Int64(n.created_at);
  out.EndObject();
  return buffer.GetString();
}

Notification read_notification(const std::string& json) {
  rapidjson::Document document;
  document.Parse(json.c_str(), json.size());
  auto text = [&](const char* field) {
    if (!document.IsObject() || !document.HasMember(field) || !document[field].IsString()) {
      throw std::invalid_argument(fmt::format("a notification needs a string '{}'", field));
    }
    return std::string(document[field].GetString(), document[field].GetStringLength());
  };
  Notification n{text("kind"), text("key"), text("title"), "{}", 0};
  if (document.HasMember("data")) n.data = orchestra::json::to_string(document["data"]);
  if (document.HasMember("created_at") && document["created_at"].IsInt64()) {
    n.created_at = document["created_at"].GetInt64();
  }
  return n;
}

}  // namespace notifications
