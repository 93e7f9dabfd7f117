#include "tasks/outage.hpp"

#include "tasks/redis/redis_client.hpp"

#include <soci/soci.h>

#include <array>
#include <string_view>

namespace orchestra::tasks {
namespace {

// libpq and SOCI report a lost server in the message only: the SQLSTATE is
// empty when no answer came at all.
constexpr std::array<std::string_view, 9> kDatabaseOutages{
    "Connection failed",         "server closed the connection", "no connection to the server",
    "could not connect",         "terminating connection",       "Connection refused",
    "database is locked",        "the database system is",       "Session is not connected"};

// Answers of a Redis that is up but not serving yet: reading its dataset
// after a restart, stuck in a long script, or a replica without its master.
constexpr std::array<std::string_view, 3> kRedisNotServing{"LOADING ", "BUSY ", "MASTERDOWN "};

}  // namespace

std::optional<std::string> dependency_outage(const std::exception& error) {
  if (const auto* redis = dynamic_cast<const redis::RedisError*>(&error)) {
    if (redis->unreachable()) return "Redis";
    std::string_view message = redis->what();
    for (auto prefix : kRedisNotServing) {
      if (message.starts_with(prefix)) return "Redis";
    }
    return std::nullopt;
  }
  if (const auto* database = dynamic_cast<const soci::soci_error*>(&error)) {
    if (database->get_error_category() == soci::soci_error::connection_error) return "the database";
    std::string_view message = database->what();
    for (auto marker : kDatabaseOutages) {
      if (message.find(marker) != std::string_view::npos) return "the database";
    }
  }
  return std::nullopt;
}

}  // namespace orchestra::tasks
