#include "webhook_sender.hpp"

#include "notifier.hpp"
#include "pending_tasks.hpp"
#include "webhook_signature.hpp"

#include <orchestra/clock.hpp>
#include <orchestra/http.hpp>
#include <orchestra/json.hpp>

#include <fmt/format.h>

namespace notifications {
namespace {

using orchestra::http::ClientError;

bool success(const DeliveryAttempt& attempt) {
  return attempt.status_code && *attempt.status_code >= 200 && *attempt.status_code < 300;
}

}  // namespace

std::int64_t WebhookSender::attempt_deadline_ms() const {
  return settings_.webhook_timeout.count() + 30'000;
}

std::string WebhookSender::attempt(const std::string& delivery_id, int attempt) {
  auto delivery = store_.delivery(delivery_id);
  if (!delivery) return R"({"skipped":"no such message"})";
  auto now = orchestra::unix_ms();
  if (delivery->status == "sending" && attempt == delivery->attempts &&
      now - delivery->updated_at >= attempt_deadline_ms()) {
    DeliveryAttempt interrupted{attempt, delivery->updated_at, 0, std::nullopt,
                                "interrupted: the worker stopped during the attempt; its "
                                "outcome is unknown"};
    conclude(*delivery, nullptr, interrupted, std::nullopt);
    return R"({"interrupted":true})";
  }
  if (delivery->status != "pending" || attempt != delivery->attempts + 1) {
    return fmt::format(R"({{"skipped":"the message is {} after {} attempts"}})", delivery->status,
                       delivery->attempts);
  }
  auto webhook = store_.find(delivery->webhook_id);
  if (!webhook || !webhook->enabled) {
    auto dead = *delivery;
    dead.status = "dead";
    dead.next_attempt_at.reset();
    dead.updated_at = now;
    soci::session session(database_.pool());
    store_.update(session, dead, "pending", delivery->attempts);
    return R"({"skipped":"the endpoint is disabled or gone"})";
  }
  if (!store_.claim(delivery_id, attempt, now)) return R"({"skipped":"another run has it"})";
  std::optional<std::chrono::milliseconds> retry_after;
  auto result = send(*webhook, *delivery, attempt, retry_after);
  conclude(*delivery, &*webhook, result, retry_after);
  return fmt::format(R"({{"attempt":{},"status":{}}})", attempt, result.status_code.value_or(0));
}

DeliveryAttempt WebhookSender::send(const Webhook& webhook, const Delivery& delivery,
                                    int attempt,
                                    std::optional<std::chrono::milliseconds>& retry_after) {
  DeliveryAttempt result;
  result.attempt = attempt;
  result.started_at = orchestra::unix_ms();
  auto timestamp = result.started_at / 1000;
  orchestra::http::ClientRequest request;
  request.url = webhook.url;
  request.method = orchestra::http::Method::post;
  request.body = delivery.payload;
  request.timeout = settings_.webhook_timeout;
  request.public_addresses_only = !settings_.allow_private_targets;
  request.headers = {
      {"Content-Type", "application/json"},
      {"webhook-id", delivery.id},
      {"webhook-timestamp", std::to_string(timestamp)},
      {"webhook-signature", sign_webhook(webhook.secret, delivery.id, timestamp, delivery.payload)}};
  try {
    auto response = client_.send(request);
    result.status_code = response.status;
    retry_after = response.retry_after();
  } catch (const ClientError& error) {
    result.error = error.what();
  }
  result.duration_ms = orchestra::unix_ms() - result.started_at;
  return result;
}

void WebhookSender::conclude(Delivery delivery, const Webhook* webhook,
                             const DeliveryAttempt& attempt,
                             std::optional<std::chrono::milliseconds> retry_after) {
  auto now = orchestra::unix_ms();
  delivery.attempts = attempt.attempt;
  delivery.updated_at = now;
  delivery.next_attempt_at.reset();
  bool gone = attempt.status_code == 410;
  PendingTasks pending(tasks_);
  if (success(attempt)) {
    delivery.status = "succeeded";
  } else if (gone || delivery.attempts >= delivery.attempts_allowed) {
    delivery.status = "dead";
  } else {
    delivery.status = "pending";
    const auto& schedule = settings_.retry_schedule;
    auto delay = schedule[std::min<std::size_t>(static_cast<std::size_t>(delivery.attempts),
                                                schedule.size() - 1)];
    if (retry_after) delay = std::max(delay, std::min(*retry_after, settings_.max_retry_after));
    delivery.next_attempt_at = now + delay.count();
    pending.add(Notifier::webhook_attempt(delivery.id, delivery.attempts + 1,
                                          delivery.next_attempt_at));
  }
  soci::session session(database_.pool());
  orchestra::db::WriteTransaction transaction(session, database_.dialect());
  if (!store_.record(session, delivery, attempt)) return;  // concluded by another run
  if (gone && webhook != nullptr) {
    store_.set_enabled(session, webhook->id, false,
                       fmt::format("the endpoint answered 410 Gone at {}",
                                   orchestra::json::rfc3339(now)));
  }
  pending.in_transaction(session);
  transaction.commit();
  pending.after_commit();
}

Delivery WebhookSender::retry(Delivery delivery) {
  if (delivery.status != "dead") {
    throw orchestra::http::HttpError(
        409, fmt::format("only a dead message can be sent again; this one is {}",
                         delivery.status));
  }
  auto now = orchestra::unix_ms();
  delivery.status = "pending";
  delivery.attempts_allowed = delivery.attempts + 1;
  delivery.next_attempt_at = now;
  delivery.updated_at = now;
  PendingTasks pending(tasks_);
  pending.add(Notifier::webhook_attempt(delivery.id, delivery.attempts + 1, now));
  soci::session session(database_.pool());
  orchestra::db::WriteTransaction transaction(session, database_.dialect());
  if (!store_.update(session, delivery, "dead", delivery.attempts)) {
    throw orchestra::http::HttpError(409, "the message is being sent again already");
  }
  pending.in_transaction(session);
  transaction.commit();
  pending.after_commit();
  return delivery;
}

std::size_t WebhookSender::requeue_overdue(std::int64_t before) {
  std::vector<orchestra::tasks::NewTask> tasks;
  auto stuck_before = orchestra::unix_ms() - attempt_deadline_ms();
  for (const auto& delivery : store_.overdue(before, stuck_before, 1000)) {
    // A stuck attempt is concluded by a run of its own number.
    auto attempt = delivery.status == "sending" ? delivery.attempts : delivery.attempts + 1;
    tasks.push_back(Notifier::webhook_attempt(delivery.id, attempt, std::nullopt));
  }
  auto count = tasks.size();
  if (!tasks.empty()) tasks_.enqueue_many(std::move(tasks));
  return count;
}

}  // namespace notifications
