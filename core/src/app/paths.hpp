#pragma once
// Where the binary finds its plugins, migrations and default config: next
// to itself, in the install layout (bin/, lib/orchestra/plugins/,
// share/orchestra/sql/, etc/orchestra/), which the build tree mirrors.

#include <filesystem>

namespace orchestra::app {

std::filesystem::path install_prefix();
std::filesystem::path default_plugin_dir();
std::filesystem::path default_sql_dir();
std::filesystem::path default_config_file();

}  // namespace orchestra::app
