#pragma once
// Sends webhook messages, one attempt per task: signed (Standard
// Webhooks), 2xx counts as delivered, 410 Gone disables the endpoint, and
// anything else tries again after the next delay of the retry schedule (or
// the answer's Retry-After, if longer) until the attempts run out. Every
// attempt is recorded.
//
// Each attempt number is sent at most once: it is claimed in the database
// before the request goes out. A run that finds its attempt claimed and
// left unfinished (its worker died mid-request) records it as interrupted,
// outcome unknown, and goes on with the next attempt.

#include "settings.hpp"
#include "webhook_store.hpp"

#include <orchestra/http_client.hpp>
#include <orchestra/tasks.hpp>

namespace notifications {

class WebhookSender {
 public:
  WebhookSender(orchestra::db::Database& database, orchestra::tasks::Tasks& tasks,
                WebhookStore& store, orchestra::http::Client& client, const Settings& settings)
      : database_(database), tasks_(tasks), store_(store), client_(client), settings_(settings) {}

  std::string attempt(const std::string& delivery_id, int attempt);
  // Queues one more attempt of a dead message; HttpError 409 unless dead.
  Delivery retry(Delivery delivery);
  // Queues again the attempts of pending messages overdue before `before`
  // (their task was lost between a commit and its enqueue) and of attempts
  // under way for longer than an attempt can take.
  std::size_t requeue_overdue(std::int64_t before);

 private:
  DeliveryAttempt send(const Webhook& webhook, const Delivery& delivery, int attempt,
                       std::optional<std::chrono::milliseconds>& retry_after);
  void conclude(Delivery delivery, const Webhook* webhook, const DeliveryAttempt& attempt,
                std::optional<std::chrono::milliseconds> retry_after);
  // How long after its claim an attempt must have ended.
  std::int64_t attempt_deadline_ms() const;

  orchestra::db::Database& database_;
  orchestra::tasks::Tasks& tasks_;
  WebhookStore& store_;
  orchestra::http::Client& client_;
  const Settings& settings_;
};

}  // namespace notifications
