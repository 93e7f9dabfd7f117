// The notifications plugin: teams, matches and the users who follow them;
// daily and weekly digests in each user's time zone, reminders before
// kick-off and live events, delivered to an inbox, open streams (SSE) and
// signed webhooks. Every fan-out is made of tasks.

#include "components.hpp"
#include "me_routes.hpp"
#include "sports_routes.hpp"
#include "webhook_routes.hpp"

#include <orchestra/clock.hpp>
#include <orchestra/plugin.hpp>

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <sodium.h>

namespace notifications {
namespace {

using orchestra::tasks::PermanentError;
using orchestra::tasks::TaskContext;
using orchestra::tasks::TaskOptions;

constexpr const char* kSweepType = "notifications.sweep";
// A live event or webhook message left this long without its task is
// taken for lost between a commit and its enqueue.
constexpr std::int64_t kStallMs = 60'000;

// A task payload's integer or string fields; PermanentError when absent.
class Payload {
 public:
  explicit Payload(const std::string& json) {
    document_.Parse(json.c_str(), json.size());
    if (!document_.IsObject()) throw PermanentError("the payload is not a JSON object");
  }
  std::int64_t integer(const char* field) const {
    if (!document_.HasMember(field) || !document_[field].IsInt64()) {
      throw PermanentError(fmt::format("the payload needs an integer '{}'", field));
    }
    return document_[field].GetInt64();
  }
  std::string text(const char* field) const {
    if (!document_.HasMember(field) || !document_[field].IsString()) {
      throw PermanentError(fmt::format("the payload needs a string '{}'", field));
    }
    return document_[field].GetString();
  }

 private:
  rapidjson::Document document_;
};

class NotificationsPlugin final : public orchestra::Plugin {
 public:
  void setup(orchestra::Host& host) override {
    host_ = &host;
    settings_ = read_settings(host.config());
    define_tasks(host.tasks());
    host.schedules().every("digests", std::chrono::seconds(30), kDigestTickType);
    host.schedules().every("sweep", std::chrono::minutes(1), kSweepType);
    sports_routes_ = std::make_unique<SportsRoutes>(components_, settings_, host.tasks());
    sports_routes_->add(host.http());
    me_routes_ = std::make_unique<MeRoutes>(components_);
    me_routes_->add(host.http());
    webhook_routes_ = std::make_unique<WebhookRoutes>(components_, settings_);
    webhook_routes_->add(host.http());
  }

  void start() override {
    if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
    components_ = std::make_unique<Components>(*host_, settings_);
    if (host_->role() != orchestra::Role::worker) {
      components_->streams = std::make_unique<StreamHub>(
          components_->inbox, host_->events(), settings_.stream_resync, host_->log());
    }
  }

  void stop() override {
    if (components_ && components_->streams) components_->streams.reset();
  }

 private:
  void define_tasks(orchestra::tasks::Tasks& tasks) {
    TaskOptions user_work;
    user_work.priority = orchestra::tasks::kUserPriority;
    user_work.max_attempts = 10;
    user_work.lease = settings_.task_lease;
    tasks.define(kDeliverType, [this](TaskContext& context) {
      return components_->notices.deliver(read_batch_payload(context.payload()), context);
    }, user_work);
    tasks.define(kFanOutType, [this](TaskContext& context) {
      return components_->notices.fan_out(Payload(context.payload()).integer("event"));
    }, user_work);
    tasks.define(kRemindType, [this](TaskContext& context) {
      Payload payload(context.payload());
      return components_->notices.remind(payload.integer("match"),
                                         static_cast<int>(payload.integer("version")),
                                         static_cast<int>(payload.integer("minutes")));
    }, user_work);
    tasks.define(kDigestTickType, [this](TaskContext&) {
      return components_->digests.tick(orchestra::unix_ms());
    });
    tasks.define(kDigestType, [this](TaskContext& context) {
      return components_->digests.run_batch(context.payload());
    }, user_work);
    TaskOptions webhook = user_work;
    // One attempt per task; a task that fails (a crash mid-attempt) is run
    // again, and its attempt number keeps it from sending twice.
    webhook.max_attempts = 5;
    webhook.timeout = settings_.webhook_timeout + std::chrono::seconds(15);
    tasks.define(kWebhookType, [this](TaskContext& context) {
      Payload payload(context.payload());
      return components_->sender.attempt(payload.text("delivery"),
                                         static_cast<int>(payload.integer("attempt")));
    }, webhook);
    tasks.define(kSweepType, [this](TaskContext&) { return sweep(); });
  }

  std::string sweep() {
    auto stalled_before = orchestra::unix_ms() - kStallMs;
    std::vector<orchestra::tasks::NewTask> fan_outs;
    for (auto id : components_->sports.stalled_events(stalled_before, 1000)) {
      fan_outs.push_back(MatchNotices::fan_out_task(id));
    }
    auto events = fan_outs.size();
    if (!fan_outs.empty()) host_->tasks().enqueue_many(std::move(fan_outs));
    auto messages = components_->sender.requeue_overdue(stalled_before);
    // Several sweeps look at each reminder before its time, whatever the
    // sweep's interval within reason.
    auto reminders = components_->notices.requeue_reminders(orchestra::unix_ms(), 10 * 60'000);
    return fmt::format(R"({{"events_requeued":{},"messages_requeued":{},"reminders_checked":{}}})",
                       events, messages, reminders);
  }

  orchestra::Host* host_ = nullptr;
  Settings settings_;
  std::unique_ptr<Components> components_;
  std::unique_ptr<SportsRoutes> sports_routes_;
  std::unique_ptr<MeRoutes> me_routes_;
  std::unique_ptr<WebhookRoutes> webhook_routes_;
};

}  // namespace
}  // namespace notifications

ORCHESTRA_PLUGIN(notifications::NotificationsPlugin, "notifications", "1.0.0",
                 "Teams, matches and followers: digests, reminders, live events, webhooks")
