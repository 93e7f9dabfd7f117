#pragma once
// Loading plugin libraries with Boost.DLL: RTLD_LOCAL, one at a time, ABI
// tag checked before any plugin code runs beyond the describe function.

#include <orchestra/plugin.hpp>

#include <boost/dll/shared_library.hpp>

#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace orchestra::plugins {

class PluginLoadError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct PluginDescription {
  std::string name;
  std::string version;
  std::string description;
  std::filesystem::path path;
};

// An open plugin library. Keep it alive longer than anything its code
// created (the plugin object, handlers, callbacks).
class PluginLibrary {
 public:
  // Throws PluginLoadError naming the plugin and the reason.
  static PluginLibrary open(const std::filesystem::path& directory, const std::string& name);
  std::unique_ptr<Plugin> create() const;
  const PluginDescription& description() const { return description_; }

 private:
  PluginLibrary(boost::dll::shared_library library, PluginDescription description);
  boost::dll::shared_library library_;
  PluginDescription description_;
};

// Names of the lib<name>.so files in `directory`, without loading them.
std::vector<std::string> plugin_names_in(const std::filesystem::path& directory);

// Plugins found in `directory` (lib<name>.so files that load and describe
// themselves); unloadable files are reported with their error.
struct FoundPlugin {
  std::string name;
  std::optional<PluginDescription> description;
  std::string error;
};
std::vector<FoundPlugin> scan_plugin_directory(const std::filesystem::path& directory);

}  // namespace orchestra::plugins
