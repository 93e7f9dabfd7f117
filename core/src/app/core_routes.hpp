#pragma once
// Probes and metrics every listener serves, and the API description the
// api listener serves.

#include "http/router.hpp"
#include "metrics/registry.hpp"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace orchestra::app {

// A named dependency /readyz asks; nullopt when reachable, else why not.
struct ReadinessCheck {
  std::string name;
  std::function<std::optional<std::string>()> probe;
};

// /healthz, /readyz (every check must pass), /metrics.
// /metrics is public when `public_metrics`, else it needs the `metrics` scope.
void add_probe_routes(http::Router& router, std::vector<ReadinessCheck> checks,
                      const metrics::Registry& registry, bool public_metrics);

// /openapi.json describing every route of `router`.
void add_openapi_route(http::Router& router);

}  // namespace orchestra::app
