#pragma once
// Users' webhook endpoints, the messages sent to them and every attempt.

#include <orchestra/db.hpp>

#include <optional>
#include <string>
#include <vector>

namespace notifications {

struct Webhook {
  std::string id;
  std::string user;
  std::string url;
  std::vector<std::string> events;  // notification kinds it receives
  std::string secret;
  bool enabled = true;
  std::optional<std::string> disabled_reason;
  std::int64_t created_at = 0;

  bool wants(const std::string& kind) const;
};

struct DeliveryAttempt {
  int attempt = 0;
  std::int64_t started_at = 0;
  std::int64_t duration_ms = 0;
  std::optional<int> status_code;
  std::optional<std::string> error;
};

// pending (an attempt is due at next_attempt_at), succeeded, dead (out of
// attempts, or the endpoint answered 410 Gone).
struct Delivery {
  std::string id;  // the webhook-id header
  std::string webhook_id;
  std::string event_type;
  std::string payload;  // the request body
  std::string status = "pending";
  int attempts = 0;
  int attempts_allowed = 0;
  std::optional<std::int64_t> next_attempt_at;
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;
  std::vector<DeliveryAttempt> history;
};

class WebhookStore {
 public:
  explicit WebhookStore(orchestra::db::Database& database) : database_(database) {}

  void create(const Webhook& webhook);
  std::vector<Webhook> list(const std::string& user);
  std::optional<Webhook> find(const std::string& id);
  bool remove(const std::string& user, const std::string& id);
  void set_enabled(soci::session& session, const std::string& id, bool enabled,
                   const std::optional<std::string>& reason);
  bool set_enabled(const std::string& user, const std::string& id, bool enabled);
  // Enabled endpoints of `users` that receive `kind`.
  std::vector<Webhook> receiving(soci::session& session, const std::vector<std::string>& users,
                                 const std::string& kind);

  void create_delivery(soci::session& session, const Delivery& delivery);
  std::optional<Delivery> delivery(const std::string& id);
  // Newest first, ids before the cursor's (created_at, id); with attempts.
  std::vector<Delivery> deliveries(const std::string& webhook_id,
                                   std::optional<std::pair<std::int64_t, std::string>> before,
                                   int limit);
  // Records one attempt and the delivery's new state.
  void record(soci::session& session, const Delivery& delivery, const DeliveryAttempt& attempt);
  void update(soci::session& session, const Delivery& delivery);
  // Pending deliveries whose attempt was due before `before`.
  std::vector<Delivery> overdue(std::int64_t before, int limit);

 private:
  orchestra::db::Database& database_;
};

}  // namespace notifications
