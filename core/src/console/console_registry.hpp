#pragma once
// The console's pages, one per plugin that contributes one, and the
// Console each plugin's Host hands out to add it.

#include <orchestra/console.hpp>

#include <map>
#include <mutex>
#include <string>

namespace orchestra::console {

class ConsoleRegistry {
 public:
  // Throws std::logic_error when `plugin` added a page already.
  void add(const std::string& plugin, Page page);
  // By plugin name.
  std::map<std::string, Page> pages() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, Page> pages_;
};

class PluginConsole final : public Console {
 public:
  PluginConsole(ConsoleRegistry& registry, std::string plugin)
      : registry_(registry), plugin_(std::move(plugin)) {}
  void add_page(Page page) override { registry_.add(plugin_, std::move(page)); }

 private:
  ConsoleRegistry& registry_;
  std::string plugin_;
};

}  // namespace orchestra::console
