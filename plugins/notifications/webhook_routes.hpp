#pragma once
// /me/webhooks: a user's endpoints, the messages sent to each with every
// attempt, and sending a dead message again.

#include "components.hpp"

namespace notifications {

class WebhookRoutes {
 public:
  WebhookRoutes(const std::unique_ptr<Components>& components, const Settings& settings)
      : components_(components), settings_(settings) {}
  void add(orchestra::http::Routes& routes);

 private:
  using Request = orchestra::http::Request;
  using Response = orchestra::http::Response;

  Response create(const Request& request);
  Response list(const Request& request);
  Response change(const Request& request);
  Response remove(const Request& request);
  Response deliveries(const Request& request);
  Response retry(const Request& request);
  Webhook own_webhook(const Request& request);

  const std::unique_ptr<Components>& components_;
  const Settings& settings_;
};

}  // namespace notifications
