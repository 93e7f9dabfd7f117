// Where plugin routes are mounted: under /api/v1/<plugin>/, or directly
// under /api/v1/ for a route a plugin serves for the whole deployment.

#include "app/plugin_host.hpp"

#include <doctest/doctest.h>

using namespace orchestra::http;
using orchestra::app::MountedRoutes;

TEST_CASE("mounted routes: a plugin's own prefix, and shared routes under /api/v1") {
  Router router;
  MountedRoutes search(router, "/api/v1/search-indexer", "search-indexer");
  MountedRoutes other(router, "/api/v1/other", "other");
  auto ok = [](const Request&) { return Response::json(200, "{}"); };
  search.add(Method::get, "/status", ok, {});
  search.add_shared(Method::get, "/search", ok, {});
  CHECK(router.match(Method::get, "/api/v1/search-indexer/status").kind == Match::Kind::found);
  CHECK(router.match(Method::get, "/api/v1/search").kind == Match::Kind::found);
  CHECK(router.match(Method::get, "/api/v1/search-indexer/search").kind ==
        Match::Kind::not_found);
  // A second plugin cannot take the same shared path, and a shared route needs a name.
  CHECK_THROWS_WITH_AS(other.add_shared(Method::get, "/search", ok, {}),
                       doctest::Contains("declared twice"), std::invalid_argument);
  CHECK_THROWS_AS(other.add_shared(Method::get, "/", ok, {}), std::invalid_argument);
  CHECK_THROWS_AS(other.add_shared(Method::get, "search", ok, {}), std::invalid_argument);
}
