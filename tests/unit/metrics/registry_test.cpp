// Plugins' collectors on /metrics: each renders on every scrape until its
// handle goes, and not after.

#include "metrics/registry.hpp"

#include <doctest/doctest.h>

using orchestra::metrics::CollectorHandle;
using orchestra::metrics::Registry;

TEST_CASE("metrics: a collector renders while its handle lives") {
  Registry registry;
  registry.add([](std::string& out) { out += "core 1\n"; });
  {
    auto handle = registry.collect([](std::string& out) { out += "plugin 2\n"; });
    CHECK(registry.render() == "core 1\nplugin 2\n");
    CollectorHandle moved = std::move(handle);
    CHECK(registry.render() == "core 1\nplugin 2\n");  // moved, still there
  }
  CHECK(registry.render() == "core 1\n");
  auto first = registry.collect([](std::string& out) { out += "a\n"; });
  first = registry.collect([](std::string& out) { out += "b\n"; });  // replaces, drops a
  CHECK(registry.render() == "core 1\nb\n");
}
