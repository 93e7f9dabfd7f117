#pragma once
// The plugin contract (DESIGN.md §3). A plugin is a shared library with one
// class derived from Plugin and one ORCHESTRA_PLUGIN line.
//
// Lifecycle: setup() declares everything and does no I/O; start() runs after
// migrations; stop() runs at shutdown after the plugin's routes stopped
// being served. Exceptions from setup stop start-up; exceptions from route
// handlers become 500 problems and are logged with the plugin's name.

#include <orchestra/abi.hpp>
#include <orchestra/host.hpp>

#include <boost/dll/alias.hpp>

#include <memory>

namespace orchestra {

class BOOST_SYMBOL_VISIBLE Plugin {
 public:
  virtual ~Plugin() = default;
  virtual void setup(Host& host) = 0;
  virtual void start() {}
  virtual void stop() {}
};

struct PluginInfo {
  const char* name;
  const char* version;
  const char* description;
  const char* abi_tag;
};

}  // namespace orchestra

// ORCHESTRA_PLUGIN(Class, "name", "version", "one-line description")
// The name must equal the library name (lib<name>.so).
#define ORCHESTRA_PLUGIN(PluginClass, plugin_name, plugin_version, summary) \
  namespace {                                                             \
  std::unique_ptr<::orchestra::Plugin> orchestra_make_plugin() {          \
    return std::make_unique<PluginClass>();                               \
  }                                                                       \
  ::orchestra::PluginInfo orchestra_describe_plugin() {                   \
    return {plugin_name, plugin_version, summary, ORCHESTRA_ABI_TAG};     \
  }                                                                       \
  }                                                                       \
  BOOST_DLL_ALIAS(orchestra_make_plugin, orchestra_plugin_factory)        \
  BOOST_DLL_ALIAS(orchestra_describe_plugin, orchestra_plugin_info)
