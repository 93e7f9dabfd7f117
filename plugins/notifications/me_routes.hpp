#pragma once
// /me/...: what the signed-in user follows, their preferences, their inbox
// and its live stream.

#include "components.hpp"

namespace notifications {

class MeRoutes {
 public:
  explicit MeRoutes(const std::unique_ptr<Components>& components) : components_(components) {}
  void add(orchestra::http::Routes& routes);

 private:
  using Request = orchestra::http::Request;
  using Response = orchestra::http::Response;

  Response follow(const Request& request);
  Response unfollow(const Request& request);
  Response follows(const Request& request);
  Response get_preferences(const Request& request);
  Response put_preferences(const Request& request);
  Response inbox(const Request& request);
  Response mark_read(const Request& request);
  Response stream(const Request& request);

  const std::unique_ptr<Components>& components_;
};

}  // namespace notifications
