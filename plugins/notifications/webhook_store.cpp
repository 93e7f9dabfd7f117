#include "webhook_store.hpp"

#include <orchestra/sql_query.hpp>

#include <orchestra/json.hpp>

#include <algorithm>

namespace notifications {
namespace {

using orchestra::db::SqlQuery;

using orchestra::db::int_at;
using orchestra::db::optional_int_at;
using orchestra::db::optional_text_at;
using orchestra::db::text_at;

constexpr const char* kWebhookColumns =
    "SELECT id, user_id, url, events, secret, enabled, disabled_reason, created_at "
    "FROM notification_webhooks ";
constexpr const char* kDeliveryColumns =
    "SELECT id, webhook_id, event_type, payload, status, attempts, attempts_allowed, "
    "next_attempt_at, created_at, updated_at FROM notification_deliveries ";

Webhook webhook_from(const soci::row& row) {
  return Webhook{text_at(row, 0),   text_at(row, 1),          text_at(row, 2),
                 orchestra::json::parse_string_array(text_at(row, 3)), text_at(row, 4), int_at(row, 5) != 0,
                 optional_text_at(row, 6), int_at(row, 7)};
}

Delivery delivery_from(const soci::row& row) {
  Delivery d;
  d.id = text_at(row, 0);
  d.webhook_id = text_at(row, 1);
  d.event_type = text_at(row, 2);
  d.payload = text_at(row, 3);
  d.status = text_at(row, 4);
  d.attempts = static_cast<int>(int_at(row, 5));
  d.attempts_allowed = static_cast<int>(int_at(row, 6));
  d.next_attempt_at = optional_int_at(row, 7);
  d.created_at = int_at(row, 8);
  d.updated_at = int_at(row, 9);
  return d;
}

void load_history(soci::session& session, std::vector<Delivery>& deliveries) {
  for (auto& delivery : deliveries) {
    SqlQuery("SELECT attempt, started_at, duration_ms, status_code, error FROM "
             "notification_delivery_attempts WHERE delivery_id = :id ORDER BY attempt")
        .text("id", delivery.id)
        .each(session, [&](const soci::row& row) {
          auto code = optional_int_at(row, 3);
          delivery.history.push_back(DeliveryAttempt{
              static_cast<int>(int_at(row, 0)), int_at(row, 1), int_at(row, 2),
              code ? std::optional<int>(static_cast<int>(*code)) : std::nullopt,
              optional_text_at(row, 4)});
        });
  }
}

}  // namespace

bool Webhook::wants(const std::string& kind) const {
  return std::find(events.begin(), events.end(), kind) != events.end();
}

void WebhookStore::create(const Webhook& w) {
  soci::session session(database_.pool());
  SqlQuery("INSERT INTO notification_webhooks (id, user_id, url, events, secret, enabled, "
           "created_at) VALUES (:id, :user, :url, :events, :secret, 1, :created)")
      .text("id", w.id)
      .text("user", w.user)
      .text("url", w.url)
      .text("events", orchestra::json::string_array(w.events))
      .text("secret", w.secret)
      .integer("created", w.created_at)
      .execute(session);
}

std::vector<Webhook> WebhookStore::list(const std::string& user) {
  soci::session session(database_.pool());
  std::vector<Webhook> out;
  SqlQuery(std::string(kWebhookColumns) + "WHERE user_id = :user ORDER BY created_at, id")
      .text("user", user)
      .each(session, [&](const soci::row& row) { out.push_back(webhook_from(row)); });
  return out;
}

std::optional<Webhook> WebhookStore::find(const std::string& id) {
  soci::session session(database_.pool());
  std::optional<Webhook> found;
  SqlQuery(std::string(kWebhookColumns) + "WHERE id = :id")
      .text("id", id)
      .each(session, [&](const soci::row& row) { found = webhook_from(row); });
  return found;
}

bool WebhookStore::remove(const std::string& user, const std::string& id) {
  soci::session session(database_.pool());
  return SqlQuery("DELETE FROM notification_webhooks WHERE id = :id AND user_id = :user")
             .text("id", id)
             .text("user", user)
             .execute(session) > 0;
}

void WebhookStore::set_enabled(soci::session& session, const std::string& id, bool enabled,
                               const std::optional<std::string>& reason) {
  SqlQuery("UPDATE notification_webhooks SET enabled = :enabled, disabled_reason = "
           "NULLIF(:reason, '') WHERE id = :id")
      .integer("enabled", enabled)
      .text("reason", reason.value_or(""))
      .text("id", id)
      .execute(session);
}

bool WebhookStore::set_enabled(const std::string& user, const std::string& id, bool enabled) {
  soci::session session(database_.pool());
  return SqlQuery("UPDATE notification_webhooks SET enabled = :enabled, disabled_reason = NULL "
                  "WHERE id = :id AND user_id = :user")
             .integer("enabled", enabled)
             .text("id", id)
             .text("user", user)
             .execute(session) > 0;
}

std::vector<Webhook> WebhookStore::receiving(soci::session& session,
                                             const std::vector<std::string>& users,
                                             const std::string& kind) {
  std::vector<Webhook> out;
  if (users.empty()) return out;
  SqlQuery query(std::string(kWebhookColumns) + "WHERE enabled = 1 AND user_id IN (");
  query.texts_in("u", users).append(")");
  query.each(session, [&](const soci::row& row) {
    auto webhook = webhook_from(row);
    if (webhook.wants(kind)) out.push_back(std::move(webhook));
  });
  return out;
}

void WebhookStore::create_delivery(soci::session& session, const Delivery& d) {
  SqlQuery("INSERT INTO notification_deliveries (id, webhook_id, event_type, payload, status, "
           "attempts, attempts_allowed, next_attempt_at, created_at, updated_at) VALUES (:id, "
           ":webhook, :type, :payload, :status, 0, :allowed, :next, :created, :updated)")
      .text("id", d.id)
      .text("webhook", d.webhook_id)
      .text("type", d.event_type)
      .text("payload", d.payload)
      .text("status", d.status)
      .integer("allowed", d.attempts_allowed)
      .integer("next", d.next_attempt_at.value_or(d.created_at))
      .integer("created", d.created_at)
      .integer("updated", d.updated_at)
      .execute(session);
}

std::optional<Delivery> WebhookStore::delivery(const std::string& id) {
  soci::session session(database_.pool());
  std::vector<Delivery> found;
  SqlQuery(std::string(kDeliveryColumns) + "WHERE id = :id")
      .text("id", id)
      .each(session, [&](const soci::row& row) { found.push_back(delivery_from(row)); });
  load_history(session, found);
  if (found.empty()) return std::nullopt;
  return found.front();
}

std::vector<Delivery> WebhookStore::deliveries(
    const std::string& webhook_id, std::optional<std::pair<std::int64_t, std::string>> before,
    int limit) {
  SqlQuery query(std::string(kDeliveryColumns) + "WHERE webhook_id = :webhook");
  if (before) {
    query.append(" AND (created_at < :before OR (created_at = :same AND id < :before_id))")
        .integer("before", before->first)
        .integer("same", before->first)
        .text("before_id", before->second);
  }
  query.append(" ORDER BY created_at DESC, id DESC LIMIT :limit")
      .text("webhook", webhook_id)
      .integer("limit", limit);
  soci::session session(database_.pool());
  std::vector<Delivery> out;
  query.each(session, [&](const soci::row& row) { out.push_back(delivery_from(row)); });
  load_history(session, out);
  return out;
}

bool WebhookStore::claim(const std::string& id, int attempt, std::int64_t now) {
  soci::session session(database_.pool());
  return SqlQuery("UPDATE notification_deliveries SET status = 'sending', attempts = :attempt, "
                  "updated_at = :now WHERE id = :id AND status = 'pending' AND attempts = :before")
             .integer("attempt", attempt)
             .integer("now", now)
             .text("id", id)
             .integer("before", attempt - 1)
             .execute(session) > 0;
}

bool WebhookStore::record(soci::session& session, const Delivery& delivery,
                          const DeliveryAttempt& attempt) {
  if (!update(session, delivery, "sending", attempt.attempt)) return false;
  SqlQuery("INSERT INTO notification_delivery_attempts (delivery_id, attempt, started_at, "
           "duration_ms, status_code, error) VALUES (:id, :attempt, :started, :duration, "
           "NULLIF(CAST(:code AS INTEGER), -1), NULLIF(:error, ''))")
      .text("id", delivery.id)
      .integer("attempt", attempt.attempt)
      .integer("started", attempt.started_at)
      .integer("duration", attempt.duration_ms)
      .integer("code", attempt.status_code.value_or(-1))
      .text("error", attempt.error.value_or(""))
      .execute(session);
  return true;
}

bool WebhookStore::update(soci::session& session, const Delivery& d,
                          const std::string& from_status, int from_attempts) {
  return SqlQuery("UPDATE notification_deliveries SET status = :status, attempts = :attempts, "
                  "attempts_allowed = :allowed, next_attempt_at = NULLIF(CAST(:next AS BIGINT), "
                  "-1), updated_at = :updated WHERE id = :id AND status = :from_status AND "
                  "attempts = :from_attempts")
             .text("status", d.status)
             .integer("attempts", d.attempts)
             .integer("allowed", d.attempts_allowed)
             .integer("next", d.next_attempt_at.value_or(-1))
             .integer("updated", d.updated_at)
             .text("id", d.id)
             .text("from_status", from_status)
             .integer("from_attempts", from_attempts)
             .execute(session) > 0;
}

std::vector<Delivery> WebhookStore::overdue(std::int64_t before, std::int64_t stuck_before,
                                            int limit) {
  soci::session session(database_.pool());
  std::vector<Delivery> out;
  SqlQuery(std::string(kDeliveryColumns) +
           "WHERE (status = 'pending' AND next_attempt_at < :before) OR (status = 'sending' AND "
           "updated_at < :stuck) ORDER BY updated_at LIMIT :limit")
      .integer("before", before)
      .integer("stuck", stuck_before)
      .integer("limit", limit)
      .each(session, [&](const soci::row& row) { out.push_back(delivery_from(row)); });
  return out;
}

}  // namespace notifications
