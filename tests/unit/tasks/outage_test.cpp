// app::dependency_outage and the dispatcher: a handler failing because the
// database or Redis is down answers 503 with Retry-After, not 500.

#include "tasks/outage.hpp"
#include "http/dispatcher.hpp"
#include "tasks/redis/redis_client.hpp"

#include <doctest/doctest.h>

#include <soci/soci.h>
#include <spdlog/sinks/null_sink.h>

using orchestra::tasks::dependency_outage;
using orchestra::tasks::redis::RedisError;
namespace http = orchestra::http;

namespace {

const http::RouteOptions kOpen{"", http::Execution::blocking, http::Access::public_()};

}  // namespace

TEST_CASE("lost database and Redis connections and a Redis still loading are outages, other "
          "failures are not") {
  CHECK(dependency_outage(RedisError("Redis at 127.0.0.1:6379: Connection refused", true)) == "Redis");
  CHECK_FALSE(dependency_outage(RedisError("ERR wrong number of arguments")));
  // Found by the soak: a restarted Redis answers for a while, but only this.
  CHECK(dependency_outage(RedisError("LOADING Redis is loading the dataset in memory")) == "Redis");
  CHECK(dependency_outage(RedisError("BUSY Redis is busy running a script. You can only call "
                                     "SCRIPT KILL or SHUTDOWN NOSCRIPT.")) == "Redis");
  CHECK_FALSE(dependency_outage(RedisError("ERR BUSY is not a command here")));
  CHECK(dependency_outage(soci::soci_error(
            "Cannot prepare statement. Fatal error. Connection failed while preparing \"SELECT 1\"")) ==
        "the database");
  CHECK(dependency_outage(soci::soci_error("server closed the connection unexpectedly")) ==
        "the database");
  CHECK(dependency_outage(soci::soci_error("database is locked")) == "the database");
  CHECK_FALSE(dependency_outage(soci::soci_error("relation \"tasks\" does not exist")));
  CHECK_FALSE(dependency_outage(std::runtime_error("Connection failed")));
}

TEST_CASE("the dispatcher answers an outage 503 with Retry-After, and a bug 500") {
  http::Router router;
  router.add(http::Method::get, "/down", [](const http::Request&) -> http::Response {
    throw RedisError("Redis at 127.0.0.1:6379 is unreachable (retrying)", true);
  }, kOpen, "core");
  router.add(http::Method::get, "/bug", [](const http::Request&) -> http::Response {
    throw std::logic_error("a bug");
  }, kOpen, "core");
  auto log = std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::null_sink_mt>());
  http::Dispatcher dispatcher(router, false, log, {}, false, dependency_outage);
  auto call = [&](const std::string& target) {
    http::Request request;
    request.method = http::Method::get;
    request.target = target;
    request.request_id = "req-1";
    http::Response early;
    const auto* route = dispatcher.route(request, early);
    REQUIRE(route != nullptr);
    return dispatcher.invoke(*route, request);
  };
  auto down = call("/down");
  CHECK(down.status == 503);
  CHECK(down.body.find("Redis is unavailable") != std::string::npos);
  bool retry_after = false;
  for (const auto& [name, value] : down.headers) retry_after |= name == "Retry-After" && value == "1";
  CHECK(retry_after);
  CHECK(call("/bug").status == 500);
}
