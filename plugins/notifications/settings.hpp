#pragma once
// The plugin's configuration (plugins.notifications in the YAML), read
// once in setup.

#include <orchestra/config.hpp>

#include <chrono>
#include <string>
#include <vector>

namespace notifications {

using std::chrono::milliseconds;

struct Settings {
  // The scope that may create, change and delete teams and matches.
  std::string admin_scope = "notifications/admin";
  // Followers per delivery task.
  int batch_size = 500;
  // Delays before each attempt of a webhook message; the first is usually 0.
  std::vector<milliseconds> retry_schedule;
  // A Retry-After longer than this is cut to it.
  milliseconds max_retry_after{std::chrono::hours(24)};
  milliseconds webhook_timeout{15'000};
  // Webhook URLs on loopback or private addresses; for tests and closed
  // networks only.
  bool allow_private_targets = false;
  int max_webhooks_per_user = 10;
  // How soon another worker re-runs the delivery tasks of one that died.
  milliseconds task_lease{30'000};
  // How often open streams compare themselves with the inbox, for pushes
  // lost between processes.
  milliseconds stream_resync{10'000};
};

Settings read_settings(const orchestra::ConfigSection& section);

}  // namespace notifications
