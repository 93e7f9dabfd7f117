#include "app/paths.hpp"

namespace orchestra::app {

namespace fs = std::filesystem;

fs::path install_prefix() {
  std::error_code error;
  auto executable = fs::read_symlink("/proc/self/exe", error);
  if (error) return fs::current_path();
  return executable.parent_path().parent_path();
}

fs::path default_plugin_dir() { return install_prefix() / "lib" / "orchestra" / "plugins"; }
fs::path default_sql_dir() { return install_prefix() / "share" / "orchestra" / "sql"; }
fs::path default_config_file() {
  return install_prefix() / "etc" / "orchestra" / "orchestra.yaml";
}

}  // namespace orchestra::app
