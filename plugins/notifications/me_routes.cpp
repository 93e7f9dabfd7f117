#include "me_routes.hpp"

#include "api_schemas.hpp"
#include "route_support.hpp"

#include <orchestra/schema.hpp>
#include <orchestra/clock.hpp>
#include <orchestra/json.hpp>
#include <orchestra/json_writer.hpp>

#include <fmt/format.h>

namespace notifications {
namespace {

using orchestra::http::Access;
using orchestra::http::HttpError;
using orchestra::http::Method;

const std::string& user_of(const orchestra::http::Request& request) {
  return request.caller().subject;
}

}  // namespace

void MeRoutes::add(orchestra::http::Routes& routes) {
  using orchestra::http::QueryParameter;
  using orchestra::schema::list_of;
  auto route = [&](Method method, const char* path, const char* summary,
                   Response (MeRoutes::*handler)(const Request&), std::string request,
                   std::map<int, std::string> responses, std::vector<QueryParameter> query = {}) {
    routes.add(method, path, [this, handler](const Request& request) {
      return (this->*handler)(request);
    }, {summary, orchestra::http::Execution::blocking, Access::authenticated(),
        std::move(request), std::move(responses), std::move(query)});
  };
  auto team = std::vector<QueryParameter>{
      {"team_id", R"({"type":"integer","minimum":1})", "the team"}};
  route(Method::put, "/me/follows/{team_id}", "Follow a team", &MeRoutes::follow, {},
        {{204, ""}}, team);
  route(Method::delete_, "/me/follows/{team_id}", "Stop following a team", &MeRoutes::unfollow,
        {}, {{204, ""}}, team);
  route(Method::get, "/me/follows", "Teams I follow", &MeRoutes::follows, {},
        {{200, list_of(schemas::team())}});
  route(Method::get, "/me/preferences", "My notification preferences",
        &MeRoutes::get_preferences, {}, {{200, schemas::preferences()}});
  route(Method::put, "/me/preferences", "Change my notification preferences",
        &MeRoutes::put_preferences, schemas::preferences_body(), {{200, schemas::preferences()}});
  route(Method::get, "/me/inbox", "My notifications, newest first (unread, cursor)",
        &MeRoutes::inbox, {}, {{200, list_of(schemas::inbox_item())}},
        {{"unread", R"({"enum":["true","false"]})", "only unread ones"},
         {"limit", orchestra::schema::limit_schema(500), "page size"},
         {"cursor", orchestra::schema::kString, "next_cursor of the previous page"}});
  route(Method::post, "/me/inbox/read", "Mark notifications read (ids, or up_to an id)",
        &MeRoutes::mark_read, schemas::mark_read_body(),
        {{200, orchestra::schema::record({{"marked", orchestra::schema::kInteger}})}});
  route(Method::get, "/me/stream",
        "My notifications as Server-Sent Events (text/event-stream); Last-Event-ID resumes",
        &MeRoutes::stream, {}, {{200, ""}});
}

MeRoutes::Response MeRoutes::follow(const Request& request) {
  auto team = id_param(request, "team_id");
  if (!components_->sports.team(team)) {
    throw HttpError(404, fmt::format("there is no team {}", team));
  }
  const auto& user = user_of(request);
  auto now = orchestra::unix_ms();
  if (components_->followers.follow(user, team, next_digests_after_change(Preferences{}, now))) {
    components_->notices.remind_user({team}, components_->followers.preferences(user).reminders);
  }
  return Response::text(204, "");
}

MeRoutes::Response MeRoutes::unfollow(const Request& request) {
  components_->followers.unfollow(user_of(request), id_param(request, "team_id"));
  return Response::text(204, "");
}

MeRoutes::Response MeRoutes::follows(const Request& request) {
  std::vector<std::string> items;
  for (const auto& team :
       components_->sports.teams_by_id(components_->followers.follows(user_of(request)))) {
    items.push_back(team_json(team));
  }
  return list_response(items, std::nullopt);
}

MeRoutes::Response MeRoutes::get_preferences(const Request& request) {
  return Response::json(200,
                        preferences_json(components_->followers.preferences(user_of(request))));
}

MeRoutes::Response MeRoutes::put_preferences(const Request& request) {
  const auto& user = user_of(request);
  auto before = components_->followers.preferences(user);
  auto preferences = read_preferences(request.body, before);
  components_->followers.save_preferences(
      user, preferences, next_digests_after_change(preferences, orchestra::unix_ms()));
  if (preferences.reminders != before.reminders) {
    components_->notices.remind_user(components_->followers.follows(user),
                                     preferences.reminders);
  }
  return Response::json(200, preferences_json(preferences));
}

MeRoutes::Response MeRoutes::inbox(const Request& request) {
  auto limit = static_cast<int>(request.query_int("limit", 50, 1, 500));
  auto unread = bool_query(request, "unread").value_or(false);
  auto items = components_->inbox.list(user_of(request), unread, integer_cursor(request), limit);
  std::vector<std::string> out;
  for (const auto& item : items) out.push_back(inbox_item_json(item));
  std::optional<std::string> next;
  if (static_cast<int>(items.size()) == limit) next = std::to_string(items.back().id);
  return list_response(out, next);
}

MeRoutes::Response MeRoutes::mark_read(const Request& request) {
  auto document = orchestra::json::parse_object(request.body);
  orchestra::json::ObjectReader reader(document);
  reader.only({"ids", "up_to"});
  auto ids = reader.optional<std::vector<std::int64_t>>("ids");
  auto up_to = reader.optional<std::int64_t>("up_to");
  if (ids.has_value() == up_to.has_value()) {
    throw HttpError(400, "give either ids (a list of inbox ids) or up_to (an inbox id)");
  }
  if (ids && ids->size() > 1000) throw HttpError(400, "ids takes at most 1000 ids");
  const auto& user = user_of(request);
  auto marked = ids ? components_->inbox.mark_read(user, *ids)
                    : components_->inbox.mark_read_up_to(user, *up_to);
  orchestra::json::Writer out;
  out.object().field("marked", marked).end_object();
  return Response::json(200, out.str());
}

MeRoutes::Response MeRoutes::stream(const Request& request) {
  if (!components_->streams) throw HttpError(503, "this process serves no streams");
  auto header = request.header("Last-Event-ID");
  if (!header) header = request.query_param("last_event_id");
  std::optional<std::int64_t> last_seen;
  if (header && !header->empty()) {
    last_seen = positive_integer(*header);
    if (!last_seen && *header != "0") {
      throw HttpError(400, "Last-Event-ID must be an inbox id this stream sent");
    }
    if (!last_seen) last_seen = 0;
  }
  return Response::event_stream(components_->streams->open(user_of(request), last_seen));
}

}  // namespace notifications
