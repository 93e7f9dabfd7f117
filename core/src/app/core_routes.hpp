#pragma once
// Probes and metrics every listener serves, and the API description the
// api listener serves.

#include "db/connection_pool.hpp"
#include "http/router.hpp"
#include "metrics/registry.hpp"

#include <functional>

namespace orchestra::app {

// /healthz, /readyz, /metrics. `database` is read at request time (it may
// be opened after the routes are registered).
void add_probe_routes(http::Router& router, db::ConnectionPool* const& database,
                      const metrics::Registry& registry);

// /openapi.json describing every route of `router`.
void add_openapi_route(http::Router& router);

}  // namespace orchestra::app
