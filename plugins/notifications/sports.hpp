#pragma once
// Teams and matches as the API shows them, and how request bodies become
// them. Times are Unix milliseconds inside, RFC 3339 UTC on the wire.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace notifications {

struct Team {
  std::int64_t id = 0;
  std::string name;
  std::string short_name;
  std::string country;  // ISO 3166-1 alpha-2
  std::optional<std::string> logo_url;
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;
};

struct Score {
  int home = 0;
  int away = 0;
  bool operator==(const Score&) const = default;
};

struct Match {
  std::int64_t id = 0;
  std::string competition;
  std::int64_t home_team_id = 0;
  std::int64_t away_team_id = 0;
  std::int64_t starts_at = 0;
  std::optional<std::string> venue;
  std::string status = "scheduled";  // scheduled, live, finished, postponed, cancelled
  std::optional<Score> score;
  int version = 1;
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;
};

bool is_match_status(const std::string& status);

// A POST body is read over a default value, a PATCH body over the current
// one; both throw orchestra::http::HttpError 400 naming the field.
Team read_team(const std::string& body, Team base, bool creating);
Match read_match(const std::string& body, Match base, bool creating);

std::string team_json(const Team& team);
std::string match_json(const Match& match);

// The live events a change of `before` into `after` makes: "start" (it went
// live), "score" (the score changed while it is or was live) and "end".
std::vector<std::string> live_changes(const Match& before, const Match& after);

}  // namespace notifications
