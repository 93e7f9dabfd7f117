#include "notifier.hpp"

#include "pending_tasks.hpp"
#include "webhook_signature.hpp"

#include <orchestra/clock.hpp>
#include <orchestra/json.hpp>

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>

namespace notifications {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void raw(Writer& out, const std::string& json) {
  out.RawValue(json.data(), json.size(), rapidjson::kObjectType);
}

// {"groups":[{"notification":{...},"recipients":{"user":id,...}}]}
std::string inbox_message(const std::vector<std::pair<const Notification*, std::vector<Delivered>>>&
                              groups) {
  rapidjson::StringBuffer buffer;
  Writer out(buffer);
  out.StartObject();
  out.Key("groups");
  out.StartArray();
  for (const auto& [notification, delivered] : groups) {
    out.StartObject();
    out.Key("notification");
    raw(out, notification_json(*notification));
    out.Key("recipients");
    out.StartObject();
    for (const auto& item : delivered) {
      out.Key(item.user.c_str(), static_cast<rapidjson::SizeType>(item.user.size()));
      out.Int64(item.id);
    }
    out.EndObject();
    out.EndObject();
  }
  out.EndArray();
  out.EndObject();
  return buffer.GetString();
}

}  // namespace

// Users' rows are locked in one order (byte order of their ids) by every
// transaction, so two deliveries never deadlock on PostgreSQL.
std::vector<Recipients> in_lock_order(std::vector<Recipients> groups) {
  for (auto& group : groups) std::sort(group.users.begin(), group.users.end());
  std::stable_sort(groups.begin(), groups.end(), [](const Recipients& a, const Recipients& b) {
    return !a.users.empty() && !b.users.empty() && a.users.front() < b.users.front();
  });
  return groups;
}

std::size_t Notifier::deliver(std::vector<Recipients> groups,
                             const std::function<void(soci::session&)>& also) {
  groups = in_lock_order(std::move(groups));
  PendingTasks pending(tasks_);
  NewItems delivered;
  std::size_t added = 0;
  {
    soci::session session(database_.pool());
    orchestra::db::WriteTransaction transaction(session, database_.dialect());
    for (const auto& group : groups) {
      auto items = inbox_.append(session, group.users, group.notification);
      if (items.empty()) continue;
      added += items.size();
      delivered.emplace_back(&group.notification, std::move(items));
    }
    add_deliveries(session, delivered, pending);
    if (also) also(session);
    pending.in_transaction(session);
    transaction.commit();
  }
  pending.after_commit();
  if (!delivered.empty()) {
    events_.publish(orchestra::events::Event{kInboxTopic, inbox_message(delivered)});
  }
  return added;
}

// One query for the endpoints of each kind delivered (a digest batch
// delivers one kind to many users, each in a group of their own).
void Notifier::add_deliveries(soci::session& session, const NewItems& delivered,
                              PendingTasks& pending) {
  std::map<std::string, std::vector<std::string>> users_of_kind;
  for (const auto& [notification, items] : delivered) {
    for (const auto& item : items) users_of_kind[notification->kind].push_back(item.user);
  }
  std::map<std::pair<std::string, std::string>, std::vector<Webhook>> endpoints;  // (kind, user)
  for (const auto& [kind, users] : users_of_kind) {
    for (auto& endpoint : webhooks_.receiving(session, users, kind)) {
      endpoints[{kind, endpoint.user}].push_back(std::move(endpoint));
    }
  }
  if (endpoints.empty()) return;
  auto now = orchestra::unix_ms();
  for (const auto& [notification, items] : delivered) {
    for (const auto& item : items) {
      auto found = endpoints.find({notification->kind, item.user});
      if (found == endpoints.end()) continue;
      for (const auto& endpoint : found->second) {
        Delivery delivery;
        delivery.id = random_id("msg_");
        delivery.webhook_id = endpoint.id;
        delivery.event_type = notification->kind;
        delivery.payload = webhook_body(InboxItem{item.id, *notification, std::nullopt});
        delivery.attempts_allowed = static_cast<int>(settings_.retry_schedule.size());
        delivery.created_at = delivery.updated_at = now;
        delivery.next_attempt_at = now + settings_.retry_schedule.front().count();
        webhooks_.create_delivery(session, delivery);
        pending.add(webhook_attempt(delivery.id, 1, delivery.next_attempt_at));
      }
    }
  }
}

std::vector<orchestra::tasks::NewTask> Notifier::batches(const std::vector<std::string>& users,
                                                         const Notification& notification,
                                                         std::optional<LiveOrder> order) const {
  std::vector<orchestra::tasks::NewTask> tasks;
  auto size = static_cast<std::size_t>(settings_.batch_size);
  for (std::size_t first = 0; first < users.size(); first += size) {
    std::vector<std::string> part(users.begin() + static_cast<std::ptrdiff_t>(first),
                                  users.begin() + static_cast<std::ptrdiff_t>(
                                                      std::min(users.size(), first + size)));
    orchestra::tasks::NewTask task;
    task.type = kDeliverType;
    task.unique_key = fmt::format("{}:{}:{}", kDeliverType, notification.key, part.front());
    if (order) order->batch = static_cast<int>(tasks.size());
    task.payload = batch_payload(part, notification, order);
    task.priority = orchestra::tasks::kUserPriority;
    tasks.push_back(std::move(task));
  }
  return tasks;
}

orchestra::tasks::NewTask Notifier::webhook_attempt(const std::string& delivery_id, int attempt,
                                                    std::optional<std::int64_t> run_at) {
  orchestra::tasks::NewTask task;
  task.type = kWebhookType;
  task.payload = fmt::format(R"({{"delivery":{},"attempt":{}}})",
                             orchestra::json::quote(delivery_id), attempt);
  task.unique_key = fmt::format("{}:{}:{}", kWebhookType, delivery_id, attempt);
  if (run_at && *run_at > orchestra::unix_ms()) {
    task.run_at = orchestra::tasks::Clock::time_point(std::chrono::milliseconds(*run_at));
  }
  return task;
}

std::string batch_payload(const std::vector<std::string>& users, const Notification& n,
                          const std::optional<LiveOrder>& order) {
  rapidjson::StringBuffer buffer;
  Writer out(buffer);
  out.StartObject();
  if (order) {
    out.Key("order");
    out.StartObject();
    out.Key("event");
    out.Int64(order->event);
    out.Key("match");
    out.Int64(order->match);
    out.Key("batch");
    out.Int(order->batch);
    out.EndObject();
  }
  out.Key("notification");
  raw(out, notification_json(n));
  out.Key("users");
  out.StartArray();
  for (const auto& user : users) out.String(user);
  out.EndArray();
  out.EndObject();
  return buffer.GetString();
}

Recipients read_batch_payload(const std::string& payload) {
  rapidjson::Document document;
  document.Parse(payload.c_str(), payload.size());
  if (!document.IsObject() || !document.HasMember("notification") ||
      !document.HasMember("users") || !document["users"].IsArray()) {
    throw orchestra::tasks::PermanentError("a delivery batch needs notification and users");
  }
  Recipients recipients;
  try {
    recipients.notification = read_notification(orchestra::json::to_string(document["notification"]));
  } catch (const std::invalid_argument& error) {
    throw orchestra::tasks::PermanentError(error.what());
  }
  for (const auto& user : document["users"].GetArray()) {
    if (user.IsString()) recipients.users.emplace_back(user.GetString(), user.GetStringLength());
  }
  if (document.HasMember("order") && document["order"].IsObject()) {
    const auto& order = document["order"];
    auto integer = [&](const char* field) {
      if (!order.HasMember(field) || !order[field].IsInt64()) {
        throw orchestra::tasks::PermanentError(fmt::format("order.{} must be an integer", field));
      }
      return order[field].GetInt64();
    };
    recipients.order =
        LiveOrder{integer("event"), integer("match"), static_cast<int>(integer("batch"))};
  }
  return recipients;
}

std::string webhook_body(const InboxItem& item) {
  rapidjson::StringBuffer buffer;
  Writer out(buffer);
  out.StartObject();
  out.Key("type");
  out.String(item.notification.kind);
  out.Key("timestamp");
  out.String(orchestra::json::rfc3339(item.notification.created_at));
  out.Key("data");
  raw(out, inbox_item_json(item));
  out.EndObject();
  return buffer.GetString();
}

}  // namespace notifications
