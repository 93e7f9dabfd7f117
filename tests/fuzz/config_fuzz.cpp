// libFuzzer target for the YAML config loader: any text, read as a whole
// core configuration, either loads or lists its problems as a ConfigError;
// nothing else escapes (a YAML error included).

#include "config/core_config.hpp"
#include "config/loader.hpp"

#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  try {
    auto tree = orchestra::config::ConfigTree::load_string(
        text, "fuzz.yaml", {{"ORCHESTRA_SERVER__THREADS", "2"}});
    orchestra::config::read_core_config(tree.root());
    tree.finish();
  } catch (const orchestra::config::ConfigError&) {
  }
  return 0;
}
