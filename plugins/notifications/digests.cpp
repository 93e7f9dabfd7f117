#include "digests.hpp"

#include "digest_clock.hpp"
#include "pending_tasks.hpp"

#include <orchestra/clock.hpp>
#include <orchestra/json.hpp>

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <set>

namespace notifications {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

// One tick queues at most this many batches per kind; the next tick goes on.
constexpr int kMaxBatchesPerTick = 400;

struct Entry {
  std::string user;
  std::string period;
  std::int64_t fire_at = 0;
};

std::int64_t to_ms(SysTime time) { return time.time_since_epoch().count(); }
SysTime from_ms(std::int64_t ms) { return SysTime(std::chrono::milliseconds(ms)); }

DigestClock clock_for(const Preferences& p, DigestKind kind) {
  const auto& zone = find_time_zone(p.time_zone);
  return kind == DigestKind::daily ? DigestClock(zone, p.daily_hour)
                                   : DigestClock(zone, p.weekly_hour, p.weekly_weekday);
}

std::string batch_payload(DigestKind kind, const std::vector<Entry>& entries) {
  rapidjson::StringBuffer buffer;
  Writer out(buffer);
  out.StartObject();
  out.Key("kind");
  out.String(std::string(digest_name(kind)));
  out.Key("entries");
  out.StartArray();
  for (const auto& entry : entries) {
    out.StartArray();
    out.String(entry.user);
    out.String(entry.period);
    out.Int64(entry.fire_at);
    out.EndArray();
  }
  out.EndArray();
  out.EndObject();
  return buffer.GetString();
}

std::pair<DigestKind, std::vector<Entry>> read_batch(const std::string& payload) {
  rapidjson::Document document;
  document.Parse(payload.c_str(), payload.size());
  if (!document.IsObject() || !document.HasMember("kind") || !document["kind"].IsString() ||
      !document.HasMember("entries") || !document["entries"].IsArray()) {
    throw orchestra::tasks::PermanentError("a digest batch needs kind and entries");
  }
  auto kind = std::string(document["kind"].GetString()) == "weekly" ? DigestKind::weekly
                                                                    : DigestKind::daily;
  std::vector<Entry> entries;
  for (const auto& item : document["entries"].GetArray()) {
    if (!item.IsArray() || item.Size() != 3 || !item[0].IsString() || !item[1].IsString() ||
        !item[2].IsInt64()) {
      throw orchestra::tasks::PermanentError("a digest entry is [user, period, fire_at]");
    }
    entries.push_back(Entry{item[0].GetString(), item[1].GetString(), item[2].GetInt64()});
  }
  return {kind, std::move(entries)};
}

std::string digest_data(const std::string& period, const std::vector<const Match*>& matches,
                        const std::map<std::int64_t, std::string>& names) {
  rapidjson::StringBuffer buffer;
  Writer out(buffer);
  out.StartObject();
  out.Key("period");
  out.String(period);
  out.Key("matches");
  out.StartArray();
  for (const auto* match : matches) {
    out.StartObject();
    out.Key("id");
    out.Int64(match->id);
    out.Key("competition");
    out.String(match->competition);
    out.Key("home_team");
    out.String(names.count(match->home_team_id) ? names.at(match->home_team_id) : "");
    out.Key("away_team");
    out.String(names.count(match->away_team_id) ? names.at(match->away_team_id) : "");
    out.Key("starts_at");
    out.String(orchestra::json::rfc3339(match->starts_at));
    out.EndObject();
  }
  out.EndArray();
  out.EndObject();
  return buffer.GetString();
}

}  // namespace

NextDigests next_digests(const Preferences& preferences, std::int64_t now) {
  NextDigests next;
  if (preferences.daily_enabled) {
    next.daily = to_ms(clock_for(preferences, DigestKind::daily).next_after(from_ms(now)));
  }
  if (preferences.weekly_enabled) {
    next.weekly = to_ms(clock_for(preferences, DigestKind::weekly).next_after(from_ms(now)));
  }
  return next;
}

NextDigests next_digests_after_change(const Preferences& preferences, std::int64_t now) {
  constexpr std::int64_t kGraceMs = 5 * 60'000;
  return next_digests(preferences, now - kGraceMs);
}

std::string Digests::tick(std::int64_t now) {
  auto daily = queue_due(DigestKind::daily, now);
  auto weekly = queue_due(DigestKind::weekly, now);
  return fmt::format(R"({{"daily":{},"weekly":{}}})", daily, weekly);
}

std::size_t Digests::queue_due(DigestKind kind, std::int64_t now) {
  std::size_t queued = 0;
  for (int batch = 0; batch < kMaxBatchesPerTick; ++batch) {
    auto due = followers_.due(kind, now, settings_.batch_size);
    if (due.empty()) break;
    std::vector<Entry> entries;
    std::vector<std::pair<std::string, std::optional<std::int64_t>>> next;
    for (const auto& follower : due) {
      try {
        auto clock = clock_for(follower.preferences, kind);
        auto fire = clock.latest_at_or_before(from_ms(now));
        entries.push_back(Entry{follower.user, clock.period_of(fire), to_ms(fire)});
        next.emplace_back(follower.user, to_ms(clock.next_after(from_ms(now))));
      } catch (const std::invalid_argument&) {
        // A time zone that left the database: no digests until the user
        // picks another.
        next.emplace_back(follower.user, std::nullopt);
      }
    }
    PendingTasks pending(tasks_);
    if (!entries.empty()) {
      orchestra::tasks::NewTask task;
      task.type = kDigestType;
      task.payload = batch_payload(kind, entries);
      task.unique_key = fmt::format("{}:{}:{}:{}", kDigestType, digest_name(kind),
                                    entries.front().user, entries.front().period);
      pending.add(std::move(task));
    }
    // Rows locked in the order deliveries lock them (see Notifier).
    std::sort(next.begin(), next.end());
    soci::session session(database_.pool());
    orchestra::db::WriteTransaction transaction(session, database_.dialect());
    pending.before_commit(session);
    for (const auto& [user, at] : next) followers_.set_next(session, kind, user, at);
    transaction.commit();
    queued += entries.size();
  }
  return queued;
}

std::string Digests::run_batch(const std::string& payload) {
  auto [kind, entries] = read_batch(payload);
  if (entries.empty()) return R"({"sent":0})";
  std::vector<std::string> users;
  std::int64_t first_fire = INT64_MAX, last_fire = 0;
  for (const auto& entry : entries) {
    users.push_back(entry.user);
    first_fire = std::min(first_fire, entry.fire_at);
    last_fire = std::max(last_fire, entry.fire_at);
  }
  auto follows = followers_.follows_of(users);
  std::set<std::int64_t> teams;
  for (const auto& [user, followed] : follows) teams.insert(followed.begin(), followed.end());
  std::vector<std::int64_t> team_ids(teams.begin(), teams.end());
  std::int64_t window = kind == DigestKind::daily ? 86'400'000 : 7 * 86'400'000LL;
  auto matches = sports_.matches_of(team_ids, first_fire, last_fire + window);
  std::map<std::int64_t, std::string> names;
  for (const auto& team : sports_.teams_by_id(team_ids)) names[team.id] = team.name;

  std::vector<Recipients> groups;
  auto now = orchestra::unix_ms();
  for (const auto& entry : entries) {
    const auto& followed = follows[entry.user];
    std::set<std::int64_t> mine(followed.begin(), followed.end());
    std::vector<const Match*> found;
    for (const auto& match : matches) {
      if (match.starts_at >= entry.fire_at && match.starts_at < entry.fire_at + window &&
          (mine.count(match.home_team_id) || mine.count(match.away_team_id))) {
        found.push_back(&match);
      }
    }
    if (found.empty()) continue;
    auto name = std::string(digest_name(kind));
    groups.push_back(Recipients{
        {entry.user},
        Notification{"digest." + name, fmt::format("digest:{}:{}", name, entry.period),
                     fmt::format("{} {} of teams you follow {}", found.size(),
                                 found.size() == 1 ? "match" : "matches",
                                 kind == DigestKind::daily ? "in the next 24 hours"
                                                           : "in the next 7 days"),
                     digest_data(entry.period, found, names), now}});
  }
  auto sent = groups.empty() ? 0 : notifier_.deliver(std::move(groups));
  return fmt::format(R"({{"sent":{},"empty":{}}})", sent, entries.size() - groups.size());
}

}  // namespace notifications
