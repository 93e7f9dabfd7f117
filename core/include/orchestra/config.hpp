#pragma once
// Typed, schema-checked access to one section of the YAML configuration.
//
// Every read names its key; the section remembers which keys were read so
// that, once the owner (the core or a plugin's setup) has read everything it
// knows, any key left over is reported as unknown. Problems are collected,
// not thrown, so one run reports every mistake with its YAML path and line;
// the host refuses to start while any problem is pending.

#include <boost/config.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace orchestra {

namespace config {
struct SectionState;
}

class BOOST_SYMBOL_VISIBLE ConfigSection {
 public:
  explicit ConfigSection(std::shared_ptr<config::SectionState> state);

  // Supported T: bool, std::int64_t, int, double, std::string,
  // std::chrono::milliseconds (written "250ms", "30s", "5m", "1h", "2d"),
  // std::vector<std::string>, std::vector<std::chrono::milliseconds>.
  template <typename T>
  T get(const std::string& key, const T& fallback) const;
  template <typename T>
  T require(const std::string& key) const;
  template <typename T>
  std::optional<T> optional(const std::string& key) const;

  // Integer read with an inclusive range check.
  std::int64_t get_int(const std::string& key, std::int64_t fallback,
                       std::int64_t min, std::int64_t max) const;
  // A duration that must be above zero.
  std::chrono::milliseconds get_positive_duration(const std::string& key,
                                                  std::chrono::milliseconds fallback) const;
  // A string that must be one of `choices`.
  std::string get_choice(const std::string& key, const std::string& fallback,
                         const std::vector<std::string>& choices) const;

  // A nested map; an absent key yields an empty section.
  ConfigSection section(const std::string& key) const;
  // Keys of a map whose keys are user-chosen names (not schema keys).
  std::vector<std::string> keys() const;
  bool has(const std::string& key) const;
  // Marks a key as known without reading it (read elsewhere).
  void allow(const std::string& key) const;

  // Dotted YAML path of this section, e.g. "plugins.echo".
  const std::string& path() const;
  // Records a problem about `key` that only the owner can judge
  // (for example two keys that contradict each other).
  void report(const std::string& key, const std::string& problem) const;

 private:
  std::shared_ptr<config::SectionState> state_;
};

}  // namespace orchestra
