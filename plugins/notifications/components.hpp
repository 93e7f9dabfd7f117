#pragma once
// Everything the plugin runs on, built in start() once the database is
// open; routes and task handlers reach it through the plugin.

#include "digests.hpp"
#include "match_notices.hpp"
#include "stream_hub.hpp"
#include "webhook_sender.hpp"

#include <orchestra/host.hpp>

#include <memory>

namespace notifications {

struct Components {
  Components(orchestra::Host& host, const Settings& settings)
      : sports(host.db(), &host.changes()),
        followers(host.db()),
        inbox(host.db()),
        webhooks(host.db()),
        notifier(host.db(), host.tasks(), host.events(), inbox, webhooks, settings),
        notices(host.db(), host.tasks(), sports, followers, notifier),
        digests(host.db(), host.tasks(), sports, followers, notifier, settings),
        sender(host.db(), host.tasks(), webhooks, host.http_client(), settings) {}

  SportsStore sports;
  FollowerStore followers;
  InboxStore inbox;
  WebhookStore webhooks;
  Notifier notifier;
  MatchNotices notices;
  Digests digests;
  WebhookSender sender;
  // Open streams, in processes that serve the API.
  std::unique_ptr<StreamHub> streams;
};

}  // namespace notifications
