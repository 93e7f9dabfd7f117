#include "app/plugin_host.hpp"

#include "log/logging.hpp"

#include <stdexcept>

namespace orchestra {

std::string_view role_name(Role role) {
  switch (role) {
    case Role::api: return "api";
    case Role::worker: return "worker";
    case Role::all: return "all";
  }
  return "all";
}

namespace app {

MountedRoutes::MountedRoutes(http::Router& router, std::string prefix, std::string owner)
    : router_(router), prefix_(std::move(prefix)), owner_(std::move(owner)) {}

void MountedRoutes::check(const std::string& path) const {
  if (path.empty() || path.front() != '/') {
    throw std::invalid_argument("plugin '" + owner_ + "': route '" + path +
                                "' must start with '/'");
  }
}

void MountedRoutes::add(http::Method method, const std::string& path, http::Handler handler,
                        http::RouteOptions options) {
  check(path);
  router_.add(method, path == "/" ? prefix_ : prefix_ + path, std::move(handler),
              std::move(options), owner_);
}

void MountedRoutes::add_shared(http::Method method, const std::string& path,
                               http::Handler handler, http::RouteOptions options) {
  check(path);
  if (path == "/") {
    throw std::invalid_argument("plugin '" + owner_ + "': a shared route needs a name");
  }
  router_.add(method, "/api/v1" + path, std::move(handler), std::move(options), owner_);
}

PluginHost::PluginHost(std::string name, Role role, ConfigSection config,
                       http::Router& router, const Services& services)
    : name_(std::move(name)),
      role_(role),
      config_(std::move(config)),
      routes_(router, "/api/v1/" + name_, name_),
      services_(services),
      tasks_(name_, *services.tasks),
      schedules_(name_, config_, *services.tasks),
      console_(*services.console, name_),
      log_(log::logger(name_)) {}

db::Database& PluginHost::db() {
  if (services_.database == nullptr) {
    throw std::logic_error("plugin '" + name_ +
                           "': db() is available from start() on, not during setup()");
  }
  return *services_.database;
}

limits::RateLimiter& PluginHost::limits() {
  if (services_.limits == nullptr) {
    throw std::logic_error("plugin '" + name_ +
                           "': limits() is available from start() on, not during setup()");
  }
  return *services_.limits;
}

http::Client& PluginHost::http_client() {
  if (services_.http_client == nullptr) {
    throw std::logic_error("plugin '" + name_ +
                           "': http_client() is available from start() on, not during setup()");
  }
  return *services_.http_client;
}

changes::ChangeFeed& PluginHost::changes() {
  if (services_.changes == nullptr) {
    throw std::logic_error("plugin '" + name_ +
                           "': changes() is available from start() on, not during setup()");
  }
  return *services_.changes;
}

}  // namespace app
}  // namespace orchestra
