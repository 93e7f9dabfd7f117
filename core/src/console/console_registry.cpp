#include "console/console_registry.hpp"

#include <fmt/format.h>

#include <stdexcept>

namespace orchestra::console {

void ConsoleRegistry::add(const std::string& plugin, Page page) {
  std::lock_guard lock(mutex_);
  if (page.title.empty() || page.module.empty()) {
    throw std::logic_error(fmt::format("plugin {}: a console page needs a title and a module", plugin));
  }
  if (!pages_.emplace(plugin, std::move(page)).second) {
    throw std::logic_error(fmt::format("plugin {} added a second console page", plugin));
  }
}

std::map<std::string, Page> ConsoleRegistry::pages() const {
  std::lock_guard lock(mutex_);
  return pages_;
}

}  // namespace orchestra::console
