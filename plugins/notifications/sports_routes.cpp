#include "sports_routes.hpp"

#include "api_schemas.hpp"
#include "route_support.hpp"

#include <orchestra/schema.hpp>

#include <fmt/format.h>

namespace notifications {
namespace {

using orchestra::http::Access;
using orchestra::http::HttpError;
using orchestra::http::Method;

std::string not_found(const char* what, std::int64_t id) {
  return fmt::format("there is no {} {}", what, id);
}

}  // namespace

void SportsRoutes::add(orchestra::http::Routes& routes) {
  using orchestra::http::QueryParameter;
  using orchestra::schema::list_of;
  auto read = Access::authenticated();
  auto write = Access::scope(settings_.admin_scope);
  auto route = [&](Method method, const char* path, const char* summary, Access access,
                   Response (SportsRoutes::*handler)(const Request&), std::string request,
                   std::map<int, std::string> responses, std::vector<QueryParameter> query = {}) {
    routes.add(method, path, [this, handler](const Request& request) {
      return (this->*handler)(request);
    }, {summary, orchestra::http::Execution::blocking, access, std::move(request),
        std::move(responses), std::move(query)});
  };
  auto page = std::vector<QueryParameter>{
      {"limit", orchestra::schema::limit_schema(500), "page size"},
      {"cursor", orchestra::schema::kString, "next_cursor of the previous page"}};
  auto matches_query = page;
  matches_query.insert(matches_query.end(),
                       {{"team", R"({"type":"integer","minimum":1})", "a team playing"},
                        {"from", orchestra::schema::kTimestamp, "starting at or after"},
                        {"to", orchestra::schema::kTimestamp, "starting before"},
                        {"status", R"({"enum":["scheduled","live","finished","postponed","cancelled"]})",
                         "only matches in this status"}});
  route(Method::get, "/teams", "List teams", read, &SportsRoutes::list_teams, {},
        {{200, list_of(schemas::team())}}, page);
  route(Method::post, "/teams", "Create a team", write, &SportsRoutes::create_team,
        schemas::team_body(true), {{201, schemas::team()}});
  auto team_id = std::vector<QueryParameter>{{"id", R"({"type":"integer","minimum":1})", "the team"}};
  auto match_id =
      std::vector<QueryParameter>{{"id", R"({"type":"integer","minimum":1})", "the match"}};
  route(Method::get, "/teams/{id}", "Get a team", read, &SportsRoutes::get_team, {},
        {{200, schemas::team()}}, team_id);
  route(Method::patch, "/teams/{id}", "Change a team", write, &SportsRoutes::update_team,
        schemas::team_body(false), {{200, schemas::team()}}, team_id);
  route(Method::delete_, "/teams/{id}", "Delete a team", write, &SportsRoutes::delete_team, {},
        {{204, ""}}, team_id);
  route(Method::get, "/matches", "List matches (team, from, to, status)", read,
        &SportsRoutes::list_matches, {}, {{200, list_of(schemas::match())}}, matches_query);
  route(Method::post, "/matches", "Create a match", write, &SportsRoutes::create_match,
        schemas::match_body(true), {{201, schemas::match()}});
  route(Method::get, "/matches/{id}", "Get a match", read, &SportsRoutes::get_match, {},
        {{200, schemas::match()}}, match_id);
  route(Method::patch, "/matches/{id}", "Change a match; status and score changes notify",
        write, &SportsRoutes::update_match, schemas::match_body(false),
        {{200, schemas::match()}}, match_id);
  route(Method::delete_, "/matches/{id}", "Delete a match", write, &SportsRoutes::delete_match,
        {}, {{204, ""}}, match_id);
}

SportsRoutes::Response SportsRoutes::list_teams(const Request& request) {
  auto limit = static_cast<int>(request.query_int("limit", 50, 1, 500));
  std::vector<std::string> items;
  auto teams = components_->sports.teams(integer_cursor(request), limit);
  for (const auto& team : teams) items.push_back(team_json(team));
  std::optional<std::string> next;
  if (static_cast<int>(teams.size()) == limit) next = std::to_string(teams.back().id);
  return list_response(items, next);
}

SportsRoutes::Response SportsRoutes::create_team(const Request& request) {
  auto team = components_->sports.create_team(read_team(request.body, Team{}, true));
  return Response::json(201, team_json(team));
}

SportsRoutes::Response SportsRoutes::get_team(const Request& request) {
  auto id = id_param(request, "id");
  auto team = components_->sports.team(id);
  if (!team) throw HttpError(404, not_found("team", id));
  return Response::json(200, team_json(*team));
}

SportsRoutes::Response SportsRoutes::update_team(const Request& request) {
  auto id = id_param(request, "id");
  auto current = components_->sports.team(id);
  if (!current) throw HttpError(404, not_found("team", id));
  auto changed = read_team(request.body, *current, false);
  if (!components_->sports.update_team(changed)) throw HttpError(404, not_found("team", id));
  return Response::json(200, team_json(*components_->sports.team(id)));
}

SportsRoutes::Response SportsRoutes::delete_team(const Request& request) {
  auto id = id_param(request, "id");
  if (!components_->sports.delete_team(id)) throw HttpError(404, not_found("team", id));
  return Response::text(204, "");
}

SportsRoutes::Response SportsRoutes::list_matches(const Request& request) {
  MatchFilter filter;
  filter.limit = static_cast<int>(request.query_int("limit", 50, 1, 500));
  if (request.query_param("team")) filter.team = request.query_int("team", 0, 1, INT64_MAX);
  filter.from = time_query(request, "from");
  filter.to = time_query(request, "to");
  filter.status = request.query_param("status");
  if (filter.status && !is_match_status(*filter.status)) {
    throw HttpError(400, "query parameter 'status' must be scheduled, live, finished, "
                         "postponed or cancelled");
  }
  if (auto cursor = split_cursor(request.query_param("cursor"))) {
    auto id = positive_integer(cursor->second);
    if (!id) throw HttpError(400, "the cursor is not one this list returned");
    filter.after = std::pair(cursor->first, *id);
  }
  auto matches = components_->sports.matches(filter);
  std::vector<std::string> items;
  for (const auto& match : matches) items.push_back(match_json(match));
  std::optional<std::string> next;
  if (static_cast<int>(matches.size()) == filter.limit) {
    next = fmt::format("{}_{}", matches.back().starts_at, matches.back().id);
  }
  return list_response(items, next);
}

SportsRoutes::Response SportsRoutes::create_match(const Request& request) {
  auto match = read_match(request.body, Match{}, true);
  if (match.status != "scheduled") {
    throw HttpError(400, "a new match is scheduled; set its status with PATCH as it plays");
  }
  PendingTasks pending(tasks_);
  auto change = components_->sports.create_match(
      match, [&](soci::session& session, const MatchChange& made) {
        components_->notices.on_change(session, made, pending);
        pending.in_transaction(session);
      });
  pending.after_commit();
  return Response::json(201, match_json(change.after));
}

SportsRoutes::Response SportsRoutes::get_match(const Request& request) {
  auto id = id_param(request, "id");
  auto match = components_->sports.match(id);
  if (!match) throw HttpError(404, not_found("match", id));
  return Response::json(200, match_json(*match));
}

SportsRoutes::Response SportsRoutes::update_match(const Request& request) {
  auto id = id_param(request, "id");
  PendingTasks pending(tasks_);
  auto change = components_->sports.update_match(
      id, [&](const Match& current) { return read_match(request.body, current, false); },
      [&](soci::session& session, const MatchChange& made) {
        components_->notices.on_change(session, made, pending);
        pending.in_transaction(session);
      });
  if (!change) throw HttpError(404, not_found("match", id));
  pending.after_commit();
  return Response::json(200, match_json(change->after));
}

SportsRoutes::Response SportsRoutes::delete_match(const Request& request) {
  auto id = id_param(request, "id");
  if (!components_->sports.delete_match(id)) throw HttpError(404, not_found("match", id));
  return Response::text(204, "");
}

}  // namespace notifications
