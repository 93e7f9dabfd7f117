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

// pending (attempt `attempts + 1` is due at next_attempt_at), sending
// (attempt `attempts` is under way since updated_at), succeeded, dead (out
// of attempts, or the endpoint answered 410 Gone).
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
  // Marks attempt `attempt` as under way if it is the next one and the
  // message is pending; false otherwise (another run has it).
  bool claim(const std::string& id, int attempt, std::int64_t now);
  // Records the attempt under way and the delivery's new state; false when
  // the attempt was no longer under way (nothing written).
  bool record(soci::session& session, const Delivery& delivery, const DeliveryAttempt& attempt);
  // Writes the delivery's new state if it still is `from_status` after
  // `from_attempts` attempts; false otherwise.
  bool update(soci::session& session, const Delivery& delivery, const std::string& from_status,
              int from_attempts);
  // Pending messages whose attempt was due before `before`, and messages
  // whose attempt has been under way since before `stuck_before`.
  std::vector<Delivery> overdue(std::int64_t before, std::int64_t stuck_before, int limit);

 private:
  orchestra::db::Database& database_;
};

}  // namespace notifications
