#pragma once
// /teams and /matches: readable by any signed-in user, written by holders
// of the admin scope. A PATCH of a match is how results arrive.

#include "components.hpp"

namespace notifications {

class SportsRoutes {
 public:
  SportsRoutes(const std::unique_ptr<Components>& components, const Settings& settings,
               orchestra::tasks::Tasks& tasks)
      : components_(components), settings_(settings), tasks_(tasks) {}
  void add(orchestra::http::Routes& routes);

 private:
  using Request = orchestra::http::Request;
  using Response = orchestra::http::Response;

  Response list_teams(const Request& request);
  Response create_team(const Request& request);
  Response get_team(const Request& request);
  Response update_team(const Request& request);
  Response delete_team(const Request& request);
  Response list_matches(const Request& request);
  Response create_match(const Request& request);
  Response get_match(const Request& request);
  Response update_match(const Request& request);
  Response delete_match(const Request& request);

  const std::unique_ptr<Components>& components_;
  const Settings& settings_;
  orchestra::tasks::Tasks& tasks_;
};

}  // namespace notifications
