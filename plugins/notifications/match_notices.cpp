#include "match_notices.hpp"

#include <orchestra/clock.hpp>
#include <orchestra/json.hpp>

#include <spdlog/logger.h>

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>

namespace notifications {
namespace {

constexpr int kFollowerPage = 1000;
// A batch of a live event waits for the match's earlier events, looking
// again this often, until this long after its fan-out; then it goes out
// anyway. The limit runs from the fan-out, not from each run: a batch
// whose worker died mid-wait does not wait the whole time again.
constexpr auto kOrderPoll = std::chrono::milliseconds(20);
constexpr std::int64_t kOrderPatienceMs = 30'000;

// The fields of a match's JSON (as recorded with a live event) that say
// who played and how it stood.
Match match_of_event(const std::string& payload) {
  rapidjson::Document document;
  document.Parse(payload.c_str(), payload.size());
  Match match;
  if (!document.IsObject()) return match;
  auto integer = [&](const char* field) {
    return document.HasMember(field) && document[field].IsInt64() ? document[field].GetInt64()
                                                                  : 0;
  };
  match.id = integer("id");
  match.home_team_id = integer("home_team_id");
  match.away_team_id = integer("away_team_id");
  if (document.HasMember("score") && document["score"].IsObject()) {
    const auto& score = document["score"];
    match.score = Score{score["home"].GetInt(), score["away"].GetInt()};
  }
  return match;
}

std::string event_kind(const std::string& change) {
  if (change == "start") return "match.started";
  if (change == "score") return "match.score";
  return "match.ended";
}

std::string with_match(const std::string& match_json, const char* key, std::int64_t value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> out(buffer);
  out.StartObject();
  out.Key("match");
  out.RawValue(match_json.data(), match_json.size(), rapidjson::kObjectType);
  if (key != nullptr) {
    out.Key(key);
    out.Int64(value);
  }
  out.EndObject();
  return buffer.GetString();
}

}  // namespace

void MatchNotices::on_change(soci::session& session, const MatchChange& change,
                             PendingTasks& pending) {
  for (const auto& event : change.events) pending.add(fan_out_task(event.id));
  const auto& match = change.after;
  if (match.status != "scheduled") return;
  for (int minutes :
       followers_.reminder_offsets(session, {match.home_team_id, match.away_team_id})) {
    if (auto task = reminder_task(match, minutes)) pending.add(std::move(*task));
  }
}

void MatchNotices::remind_user(const std::vector<std::int64_t>& teams,
                               const std::vector<int>& offsets) {
  if (teams.empty() || offsets.empty()) return;
  auto now = orchestra::unix_ms();
  auto horizon = now + std::int64_t{kMaxReminderMinutes} * 60'000 + 1;
  std::vector<orchestra::tasks::NewTask> tasks;
  for (const auto& match : sports_.matches_of(teams, now, horizon)) {
    for (int minutes : offsets) {
      if (auto task = reminder_task(match, minutes)) tasks.push_back(std::move(*task));
    }
  }
  if (!tasks.empty()) tasks_.enqueue_many(std::move(tasks));
}

std::size_t MatchNotices::requeue_reminders(std::int64_t now, std::int64_t window_ms) {
  std::vector<orchestra::tasks::NewTask> tasks;
  for (int minutes : followers_.all_reminder_offsets()) {
    MatchFilter filter;
    filter.from = now + std::int64_t{minutes} * 60'000;
    filter.to = *filter.from + window_ms;
    filter.status = "scheduled";
    filter.limit = 10'000;
    for (const auto& match : sports_.matches(filter)) {
      if (auto task = reminder_task(match, minutes)) tasks.push_back(std::move(*task));
    }
  }
  auto count = tasks.size();
  if (!tasks.empty()) tasks_.enqueue_many(std::move(tasks));
  return count;
}

std::size_t MatchNotices::requeue_unfinished(std::int64_t before) {
  constexpr int kPerSweep = 1000;
  std::vector<orchestra::tasks::NewTask> fan_outs;
  for (auto id : sports_.stalled_events(before, kPerSweep)) fan_outs.push_back(fan_out_task(id));
  for (auto id : sports_.unfinished_events(before, kPerSweep)) fan_outs.push_back(fan_out_task(id));
  auto count = fan_outs.size();
  if (!fan_outs.empty()) tasks_.enqueue_many(std::move(fan_outs));
  return count;
}

orchestra::tasks::NewTask MatchNotices::fan_out_task(std::int64_t event_id) {
  orchestra::tasks::NewTask task;
  task.type = kFanOutType;
  task.payload = fmt::format(R"({{"event":{}}})", event_id);
  task.unique_key = fmt::format("{}:{}", kFanOutType, event_id);
  task.priority = orchestra::tasks::kUserPriority;
  return task;
}

std::optional<orchestra::tasks::NewTask> MatchNotices::reminder_task(const Match& match,
                                                                     int minutes) {
  auto fire_at = match.starts_at - std::int64_t{minutes} * 60'000;
  if (fire_at <= orchestra::unix_ms()) return std::nullopt;
  orchestra::tasks::NewTask task;
  task.type = kRemindType;
  task.payload = fmt::format(R"({{"match":{},"version":{},"minutes":{}}})", match.id,
                             match.version, minutes);
  task.unique_key = fmt::format("{}:{}:{}:{}", kRemindType, match.id, match.version, minutes);
  task.run_at = orchestra::tasks::Clock::time_point(std::chrono::milliseconds(fire_at));
  task.priority = orchestra::tasks::kUserPriority;
  return task;
}

std::vector<std::string> MatchNotices::followers_of(
    const Match& match, const std::function<bool(const Preferences&)>& wanted) {
  std::vector<std::string> users;
  std::string after;
  while (true) {
    auto page =
        followers_.followers({match.home_team_id, match.away_team_id}, after, kFollowerPage);
    for (const auto& follower : page) {
      if (wanted(follower.preferences)) users.push_back(follower.user);
    }
    if (page.size() < static_cast<std::size_t>(kFollowerPage)) return users;
    after = page.back().user;
  }
}

std::string MatchNotices::describe(const Match& match) const {
  std::string home = fmt::format("team {}", match.home_team_id);
  std::string away = fmt::format("team {}", match.away_team_id);
  for (const auto& team : sports_.teams_by_id({match.home_team_id, match.away_team_id})) {
    (team.id == match.home_team_id ? home : away) = team.name;
  }
  if (match.score) return fmt::format("{} {}–{} {}", home, match.score->home, match.score->away, away);
  return fmt::format("{} vs {}", home, away);
}

std::string MatchNotices::fan_out(std::int64_t event_id) {
  auto event = sports_.event(event_id);
  if (!event) return R"({"skipped":"the event no longer exists"})";
  auto match = match_of_event(event->payload);
  auto users = followers_of(
      match, [&](const Preferences& preferences) { return preferences.wants_live(event->kind); });
  static const std::map<std::string, std::string> kTitles{
      {"start", "Kick-off: {}"}, {"score", "Score: {}"}, {"end", "Full time: {}"}};
  Notification notification{
      event_kind(event->kind),
      fmt::format("live:{}:{}:{}", event->match_id, event->version, event->kind),
      fmt::format(fmt::runtime(kTitles.at(event->kind)), describe(match)),
      with_match(event->payload, nullptr, 0), orchestra::unix_ms()};
  queue_batches(event_id,
                notifier_.batches(users, notification, LiveOrder{event_id, event->match_id, 0}));
  return fmt::format(R"({{"followers":{}}})", users.size());
}

// The batches are on record before any can be delivered: a delivery that
// finished first would find no record to clear, leave its batch pending for
// good, and hold the match's later events back.
void MatchNotices::queue_batches(std::int64_t event_id,
                                 std::vector<orchestra::tasks::NewTask> batches) {
  {
    soci::session session(database_.pool());
    orchestra::db::WriteTransaction transaction(session, database_.dialect());
    sports_.record_batches(session, event_id, static_cast<int>(batches.size()));
    transaction.commit();
  }
  PendingTasks pending(tasks_);
  for (auto& task : batches) pending.add(std::move(task));
  {
    soci::session session(database_.pool());
    orchestra::db::WriteTransaction transaction(session, database_.dialect());
    pending.before_commit(session);
    sports_.mark_fanned_out(session, event_id);
    transaction.commit();
  }
  pending.after_commit();
}

orchestra::tasks::Step MatchNotices::deliver(const Recipients& batch,
                                             orchestra::tasks::TaskContext& context) {
  const auto& order = batch.order;
  if (order && sports_.earlier_pending(order->match, order->event)) {
    // Measured from the fan-out; a created_at ahead of this host's clock
    // (skew between hosts) counts as just fanned out.
    auto now = orchestra::unix_ms();
    auto created = batch.notification.created_at;
    auto waited = created < now - kOrderPatienceMs ? kOrderPatienceMs
                                                   : std::max<std::int64_t>(now - created, 0);
    if (waited < kOrderPatienceMs) {
      return orchestra::tasks::Step::wait_for(
          std::min(kOrderPoll, std::chrono::milliseconds(kOrderPatienceMs - waited)));
    }
    context.log().warn("event {} of match {} goes out before earlier ones still pending",
                       order->event, order->match);
  }
  auto delivered = notifier_.deliver({batch}, [&](soci::session& session) {
    if (order) sports_.batch_done(session, order->event, order->batch);
  });
  return fmt::format(R"({{"delivered":{}}})", delivered);
}

std::string MatchNotices::remind(std::int64_t match_id, int version, int minutes) {
  auto match = sports_.match(match_id);
  if (!match || match->version != version || match->status != "scheduled") {
    return R"({"skipped":"the match changed since the reminder was set"})";
  }
  auto users = followers_of(*match, [&](const Preferences& preferences) {
    return preferences.wants_reminder(minutes);
  });
  Notification notification{
      "reminder", fmt::format("reminder:{}:{}:{}", match_id, match->starts_at, minutes),
      fmt::format("{} starts in {} minutes", describe(*match), minutes),
      with_match(match_json(*match), "minutes_before", minutes), orchestra::unix_ms()};
  auto tasks = notifier_.batches(users, notification);
  if (!tasks.empty()) tasks_.enqueue_many(std::move(tasks));
  return fmt::format(R"({{"followers":{}}})", users.size());
}

}  // namespace notifications
