#pragma once
// The web console and the API reference, served from files compiled into
// the binary (web/, and Swagger UI from the swagger-ui-dist npm package):
//   /console, /console/<file>       the console's shell
//   /console/pages                  the plugins' pages: [{id, title, scope}]
//   /console/pages/<plugin>.js      a plugin's page module
//   /docs, /docs/<file>             Swagger UI over /openapi.json
// Every answer forbids loading anything from elsewhere (CSP 'self').

#include "console/console_registry.hpp"
#include "http/router.hpp"

namespace orchestra::console {

void add_console_routes(http::Router& router, const ConsoleRegistry& registry);

}  // namespace orchestra::console
