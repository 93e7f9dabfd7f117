#include "settings.hpp"

namespace notifications {

Settings read_settings(const orchestra::ConfigSection& section) {
  using namespace std::chrono_literals;
  Settings settings;
  settings.admin_scope = section.get<std::string>("admin_scope", settings.admin_scope);
  settings.batch_size = static_cast<int>(section.get_int("batch_size", 500, 1, 10'000));
  auto webhooks = section.section("webhooks");
  settings.retry_schedule = webhooks.get<std::vector<milliseconds>>(
      "retry_schedule", {0ms, 5s, 5min, 30min, 2h, 5h, 10h, 10h});
  if (settings.retry_schedule.empty() || settings.retry_schedule.size() > 50) {
    webhooks.report("retry_schedule", "needs 1 to 50 delays, one per attempt");
  }
  settings.max_retry_after = webhooks.get_positive_duration("max_retry_after", 24h);
  settings.webhook_timeout = webhooks.get_positive_duration("timeout", 15s);
  settings.allow_private_targets = webhooks.get("allow_private_targets", false);
  settings.max_webhooks_per_user =
      static_cast<int>(webhooks.get_int("max_per_user", 10, 1, 1000));
  settings.task_lease = section.get_positive_duration("task_lease", 30s);
  settings.stream_resync = section.get_positive_duration("stream_resync", 10s);
  return settings;
}

}  // namespace notifications
