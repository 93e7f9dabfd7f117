#pragma once
// Puts notifications in inboxes, exactly once per user and key, and hands
// them on: a message to each of the user's webhooks that receives the kind
// (its first attempt queued with it) and a push to the user's open streams
// on every api process.

#include "follower_store.hpp"
#include "inbox_store.hpp"
#include "settings.hpp"
#include "webhook_store.hpp"

#include <orchestra/events.hpp>
#include <orchestra/tasks.hpp>

#include <functional>
#include <optional>

namespace notifications {

class PendingTasks;

inline constexpr const char* kInboxTopic = "notifications.inbox";
inline constexpr const char* kDeliverType = "notifications.deliver";
inline constexpr const char* kWebhookType = "notifications.webhook";

// Where a delivery batch of a match's live event stands: the match's
// events reach each follower in the order of their ids.
struct LiveOrder {
  std::int64_t event = 0;
  std::int64_t match = 0;
  int batch = 0;
};

// Users who get the same notification.
struct Recipients {
  std::vector<std::string> users;
  Notification notification;
  std::optional<LiveOrder> order;
};

class Notifier {
 public:
  Notifier(orchestra::db::Database& database, orchestra::tasks::Tasks& tasks,
           orchestra::events::EventBus& events, InboxStore& inbox, WebhookStore& webhooks,
           const Settings& settings)
      : database_(database),
        tasks_(tasks),
        events_(events),
        inbox_(inbox),
        webhooks_(webhooks),
        settings_(settings) {}

  // All groups in one transaction, with `also` run in it; the number of
  // inbox items added.
  std::size_t deliver(std::vector<Recipients> groups,
                      const std::function<void(soci::session&)>& also = {});

  // Delivery tasks for `users`, `batch_size` users each; for a live event
  // `order` names it (its batch numbers are filled in).
  std::vector<orchestra::tasks::NewTask> batches(const std::vector<std::string>& users,
                                                 const Notification& notification,
                                                 std::optional<LiveOrder> order = {}) const;
  // The task of a webhook message's attempt `attempt`, due at `run_at`.
  static orchestra::tasks::NewTask webhook_attempt(const std::string& delivery_id, int attempt,
                                                   std::optional<std::int64_t> run_at);

 private:
  // The inbox items each notification became.
  using NewItems = std::vector<std::pair<const Notification*, std::vector<Delivered>>>;
  void add_deliveries(soci::session& session, const NewItems& delivered, PendingTasks& pending);

  orchestra::db::Database& database_;
  orchestra::tasks::Tasks& tasks_;
  orchestra::events::EventBus& events_;
  InboxStore& inbox_;
  WebhookStore& webhooks_;
  const Settings& settings_;
};

// The task payload of a delivery batch, and back (throws
// orchestra::tasks::PermanentError when malformed).
std::string batch_payload(const std::vector<std::string>& users, const Notification& n,
                          const std::optional<LiveOrder>& order);
Recipients read_batch_payload(const std::string& payload);

// The body of a webhook message (Standard Webhooks: type, timestamp, data).
std::string webhook_body(const InboxItem& item);

}  // namespace notifications
