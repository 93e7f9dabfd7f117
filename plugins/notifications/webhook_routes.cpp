#include "webhook_routes.hpp"

#include "api_schemas.hpp"
#include "route_support.hpp"
#include "webhook_signature.hpp"

#include <orchestra/schema.hpp>
#include <orchestra/clock.hpp>
#include <orchestra/json.hpp>

#include <fmt/format.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>

namespace notifications {
namespace {

using orchestra::http::Access;
using orchestra::http::HttpError;
using orchestra::http::Method;
using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

constexpr const char* kKinds[] = {"digest.daily",  "digest.weekly", "reminder",
                                  "match.started", "match.score",   "match.ended"};

std::string webhook_json(const Webhook& webhook, bool with_secret) {
  rapidjson::StringBuffer buffer;
  Writer out(buffer);
  out.StartObject();
  out.Key("id");
  out.String(webhook.id);
  out.Key("url");
  out.String(webhook.url);
  out.Key("events");
  out.StartArray();
  for (const auto& event : webhook.events) out.String(event);
  out.EndArray();
  out.Key("enabled");
  out.Bool(webhook.enabled);
  out.Key("disabled_reason");
  if (webhook.disabled_reason) {
    out.String(*webhook.disabled_reason);
  } else {
    out.Null();
  }
  out.Key("created_at");
  out.String(orchestra::json::rfc3339(webhook.created_at));
  if (with_secret) {
    out.Key("secret");
    out.String(webhook.secret);
  }
  out.EndObject();
  return buffer.GetString();
}

std::string delivery_json(const Delivery& d) {
  rapidjson::StringBuffer buffer;
  Writer out(buffer);
  out.StartObject();
  out.Key("id");
  out.String(d.id);
  out.Key("event_type");
  out.String(d.event_type);
  out.Key("status");
  out.String(d.status);
  out.Key("attempts");
  out.Int(d.attempts);
  out.Key("next_attempt_at");
  if (d.next_attempt_at && d.status == "pending") {
    out.String(orchestra::json::rfc3339(*d.next_attempt_at));
  } else {
    out.Null();
  }
  out.Key("created_at");
  out.String(orchestra::json::rfc3339(d.created_at));
  out.Key("payload");
  out.RawValue(d.payload.data(), d.payload.size(), rapidjson::kObjectType);
  out.Key("history");
  out.StartArray();
  for (const auto& attempt : d.history) {
    out.StartObject();
    out.Key("attempt");
    out.Int(attempt.attempt);
    out.Key("started_at");
    out.String(orchestra::json::rfc3339(attempt.started_at));
    out.Key("duration_ms");
    out.Int64(attempt.duration_ms);
    out.Key("status_code");
    if (attempt.status_code) {
      out.Int(*attempt.status_code);
    } else {
      out.Null();
    }
    out.Key("error");
    if (attempt.error) {
      out.String(*attempt.error);
    } else {
      out.Null();
    }
    out.EndObject();
  }
  out.EndArray();
  out.EndObject();
  return buffer.GetString();
}

std::vector<std::string> read_events(const orchestra::json::ObjectReader& reader) {
  auto events = reader.require<std::vector<std::string>>("events");
  if (events.empty()) throw HttpError(400, "events must name at least one notification kind");
  for (const auto& event : events) {
    if (std::find(std::begin(kKinds), std::end(kKinds), event) == std::end(kKinds)) {
      throw HttpError(400, fmt::format("events: unknown kind {}; expected digest.daily, "
                                       "digest.weekly, reminder, match.started, match.score "
                                       "or match.ended",
                                       orchestra::json::quote(event)));
    }
  }
  std::sort(events.begin(), events.end());
  events.erase(std::unique(events.begin(), events.end()), events.end());
  return events;
}

}  // namespace

void WebhookRoutes::add(orchestra::http::Routes& routes) {
  using orchestra::http::QueryParameter;
  using orchestra::schema::list_of;
  auto route = [&](Method method, const char* path, const char* summary,
                   Response (WebhookRoutes::*handler)(const Request&), std::string request,
                   std::map<int, std::string> responses, std::vector<QueryParameter> query = {}) {
    routes.add(method, path, [this, handler](const Request& request) {
      return (this->*handler)(request);
    }, {summary, orchestra::http::Execution::blocking, Access::authenticated(),
        std::move(request), std::move(responses), std::move(query)});
  };
  route(Method::post, "/me/webhooks", "Add a webhook endpoint; answers its secret once",
        &WebhookRoutes::create, schemas::webhook_body(), {{201, schemas::webhook(true)}});
  route(Method::get, "/me/webhooks", "My webhook endpoints", &WebhookRoutes::list, {},
        {{200, list_of(schemas::webhook(false))}});
  route(Method::patch, "/me/webhooks/{id}", "Enable or disable an endpoint",
        &WebhookRoutes::change,
        orchestra::schema::body({{"enabled", orchestra::schema::kBoolean}}, {"enabled"}),
        {{200, schemas::webhook(false)}});
  route(Method::delete_, "/me/webhooks/{id}", "Remove an endpoint", &WebhookRoutes::remove, {},
        {{204, ""}});
  route(Method::get, "/me/webhooks/{id}/deliveries", "Messages sent to an endpoint, newest first",
        &WebhookRoutes::deliveries, {}, {{200, list_of(schemas::delivery())}},
        {{"limit", orchestra::schema::limit_schema(200), "page size"},
         {"cursor", orchestra::schema::kString, "next_cursor of the previous page"}});
  route(Method::post, "/me/webhooks/{id}/deliveries/{delivery_id}/retry",
        "Send a dead message again", &WebhookRoutes::retry, {}, {{202, schemas::delivery()}});
}

Webhook WebhookRoutes::own_webhook(const Request& request) {
  auto webhook = components_->webhooks.find(request.path_param("id"));
  if (!webhook || webhook->user != request.caller().subject) {
    throw HttpError(404, fmt::format("you have no webhook {}",
                                     orchestra::json::quote(request.path_param("id"))));
  }
  return *webhook;
}

WebhookRoutes::Response WebhookRoutes::create(const Request& request) {
  auto document = orchestra::json::parse_object(request.body);
  orchestra::json::ObjectReader reader(document);
  reader.only({"url", "events"});
  Webhook webhook;
  webhook.url = reader.require<std::string>("url");
  webhook.events = read_events(reader);
  if (webhook.url.size() > 2000) throw HttpError(400, "url is longer than 2000 characters");
  try {
    orchestra::http::require_public_target(webhook.url);
  } catch (const orchestra::http::ClientError& error) {
    bool allowed = settings_.allow_private_targets &&
                   error.kind() == orchestra::http::ClientError::Kind::refused_address;
    if (!allowed) throw HttpError(400, fmt::format("url: {}", error.what()));
  }
  const auto& user = request.caller().subject;
  if (static_cast<int>(components_->webhooks.list(user).size()) >=
      settings_.max_webhooks_per_user) {
    throw HttpError(409, fmt::format("you have {} webhooks, the most allowed; remove one first",
                                     settings_.max_webhooks_per_user));
  }
  webhook.id = random_id("wh_");
  webhook.user = user;
  webhook.secret = new_webhook_secret();
  webhook.created_at = orchestra::unix_ms();
  components_->webhooks.create(webhook);
  return Response::json(201, webhook_json(webhook, true));
}

WebhookRoutes::Response WebhookRoutes::list(const Request& request) {
  std::vector<std::string> items;
  for (const auto& webhook : components_->webhooks.list(request.caller().subject)) {
    items.push_back(webhook_json(webhook, false));
  }
  return list_response(items, std::nullopt);
}

WebhookRoutes::Response WebhookRoutes::change(const Request& request) {
  auto webhook = own_webhook(request);
  auto document = orchestra::json::parse_object(request.body);
  orchestra::json::ObjectReader reader(document);
  reader.only({"enabled"});
  auto enabled = reader.require<bool>("enabled");
  components_->webhooks.set_enabled(webhook.user, webhook.id, enabled);
  return Response::json(200, webhook_json(*components_->webhooks.find(webhook.id), false));
}

WebhookRoutes::Response WebhookRoutes::remove(const Request& request) {
  auto webhook = own_webhook(request);
  components_->webhooks.remove(webhook.user, webhook.id);
  return Response::text(204, "");
}

WebhookRoutes::Response WebhookRoutes::deliveries(const Request& request) {
  auto webhook = own_webhook(request);
  auto limit = static_cast<int>(request.query_int("limit", 50, 1, 200));
  auto found = components_->webhooks.deliveries(webhook.id,
                                                split_cursor(request.query_param("cursor")), limit);
  std::vector<std::string> items;
  for (const auto& delivery : found) items.push_back(delivery_json(delivery));
  std::optional<std::string> next;
  if (static_cast<int>(found.size()) == limit) {
    next = fmt::format("{}_{}", found.back().created_at, found.back().id);
  }
  return list_response(items, next);
}

WebhookRoutes::Response WebhookRoutes::retry(const Request& request) {
  auto webhook = own_webhook(request);
  auto delivery = components_->webhooks.delivery(request.path_param("delivery_id"));
  if (!delivery || delivery->webhook_id != webhook.id) {
    throw HttpError(404, "this webhook has no such message");
  }
  if (!webhook.enabled) throw HttpError(409, "the endpoint is disabled; enable it first");
  return Response::json(202, delivery_json(components_->sender.retry(*delivery)));
}

}  // namespace notifications
