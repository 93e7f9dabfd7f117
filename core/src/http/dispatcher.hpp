#pragma once
// Everything between a parsed request and its response that does not
// depend on Beast: routing, exception isolation, request ids, metrics and
// the access log.

#include "http/access_gate.hpp"
#include "http/router.hpp"
#include "metrics/registry.hpp"

#include <orchestra/http.hpp>

#include <spdlog/logger.h>

#include <atomic>
#include <chrono>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace orchestra::http {

// Names the dependency (the database, Redis) whose outage a handler's
// exception reports, or nullopt for any other failure.
using OutageTest = std::function<std::optional<std::string>(const std::exception&)>;

class Dispatcher {
 public:
  // With `validate`, every answer is checked against its route's schemas.
  // A handler failure that `outage` names a dependency for is a 503 with
  // Retry-After (the client may retry), any other a 500.
  Dispatcher(const Router& router, bool access_log, std::shared_ptr<spdlog::logger> log,
             TokenVerifier verify_token = {}, bool validate = false, OutageTest outage = {});

  // Routes `request` (whose `target` and `method` are set). On success the
  // request's path, query and params are filled and the target returned;
  // otherwise `early` holds the 400/404/405 answer.
  const RouteTarget* route(Request& request, Response& early) const;
  // Checks the route's access (setting request.principal), then runs the
  // handler; any exception becomes a problem response.
  Response invoke(const RouteTarget& target, Request& request) const;
  // The contract check of server.validate_responses: a 500 in place of an
  // answer that breaks the route's declared schemas.
  void check_contract(const RouteTarget& target, const Request& request,
                      Response& response) const;
  // Adds the request id, records metrics and writes the access log line.
  void complete(const Request& request, const RouteTarget* target, Response& response,
                std::chrono::steady_clock::time_point started) const;

  void render_metrics(std::string& out) const;
  std::atomic<std::int64_t>& in_flight() { return in_flight_; }

 private:
  const Router& router_;
  bool access_log_;
  bool validate_;
  std::shared_ptr<spdlog::logger> log_;
  TokenVerifier verify_token_;
  OutageTest outage_;
  mutable RouteMetrics unmatched_;
  std::atomic<std::int64_t> in_flight_{0};
};

std::string generate_request_id();

}  // namespace orchestra::http
