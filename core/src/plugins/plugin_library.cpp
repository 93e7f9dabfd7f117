#include "plugins/plugin_library.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace orchestra::plugins {
namespace {

namespace fs = std::filesystem;
namespace dll = boost::dll;

constexpr const char* kAbiTag = ORCHESTRA_ABI_TAG;

}  // namespace

PluginLibrary::PluginLibrary(dll::shared_library library, PluginDescription description)
    : library_(std::move(library)), description_(std::move(description)) {}

PluginLibrary PluginLibrary::open(const fs::path& directory, const std::string& name) {
  auto path = directory / ("lib" + name + ".so");
  auto fail = [&](const std::string& reason) {
    return PluginLoadError(fmt::format("plugin '{}': {}", name, reason));
  };
  if (!fs::exists(path)) throw fail(fmt::format("not found (looked for {})", path.string()));
  dll::shared_library library;
  try {
    library.load(path, dll::load_mode::rtld_local | dll::load_mode::rtld_now);
  } catch (const std::exception& error) {
    throw fail(fmt::format("cannot load {}: {}", path.string(), error.what()));
  }
  if (!library.has("orchestra_plugin_info") || !library.has("orchestra_plugin_factory")) {
    throw fail(fmt::format("{} is not an Orchestra plugin (no ORCHESTRA_PLUGIN export)",
                           path.string()));
  }
  auto info = library.get_alias<PluginInfo()>("orchestra_plugin_info")();
  if (std::string_view(info.abi_tag) != kAbiTag) {
    throw fail(fmt::format("built for a different ABI ({}); this host is {}; rebuild the "
                           "plugin with the host",
                           info.abi_tag, kAbiTag));
  }
  if (std::string_view(info.name) != name) {
    throw fail(fmt::format("{} calls itself '{}'", path.string(), info.name));
  }
  return PluginLibrary(std::move(library),
                       PluginDescription{info.name, info.version, info.description, path});
}

std::unique_ptr<Plugin> PluginLibrary::create() const {
  auto plugin =
      library_.get_alias<std::unique_ptr<Plugin>()>("orchestra_plugin_factory")();
  if (!plugin) throw PluginLoadError("plugin '" + description_.name + "': factory returned null");
  return plugin;
}

std::vector<std::string> plugin_names_in(const fs::path& directory) {
  std::vector<std::string> names;
  if (!fs::is_directory(directory)) return names;
  for (const auto& entry : fs::directory_iterator(directory)) {
    auto file = entry.path().filename().string();
    if (file.size() > 6 && file.starts_with("lib") && file.ends_with(".so")) {
      names.push_back(file.substr(3, file.size() - 6));
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<FoundPlugin> scan_plugin_directory(const fs::path& directory) {
  std::vector<FoundPlugin> found;
  for (const auto& name : plugin_names_in(directory)) {
    try {
      found.push_back({name, PluginLibrary::open(directory, name).description(), ""});
    } catch (const PluginLoadError& error) {
      found.push_back({name, std::nullopt, error.what()});
    }
  }
  return found;
}

}  // namespace orchestra::plugins
