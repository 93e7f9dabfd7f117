#include "config/document.hpp"
#include "config/duration.hpp"

#include <orchestra/config.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

namespace orchestra {
namespace {

using config::SectionState;

std::string describe(const YAML::Node& node) {
  if (node.IsMap()) return "a map";
  if (node.IsSequence()) return "a list";
  if (node.IsNull()) return "nothing";
  return fmt::format("\"{}\"", node.Scalar());
}

template <typename T>
struct Decoder;

template <>
struct Decoder<bool> {
  static constexpr const char* kExpected = "true or false";
  static std::optional<bool> decode(const YAML::Node& node) {
    bool value = false;
    if (node.IsScalar() && YAML::convert<bool>::decode(node, value)) return value;
    return std::nullopt;
  }
};

template <>
struct Decoder<std::int64_t> {
  static constexpr const char* kExpected = "an integer";
  static std::optional<std::int64_t> decode(const YAML::Node& node) {
    long long value = 0;
    if (node.IsScalar() && YAML::convert<long long>::decode(node, value)) return value;
    return std::nullopt;
  }
};

template <>
struct Decoder<int> {
  static constexpr const char* kExpected = "an integer";
  static std::optional<int> decode(const YAML::Node& node) {
    int value = 0;
    if (node.IsScalar() && YAML::convert<int>::decode(node, value)) return value;
    return std::nullopt;
  }
};

template <>
struct Decoder<double> {
  static constexpr const char* kExpected = "a number";
  static std::optional<double> decode(const YAML::Node& node) {
    double value = 0;
    if (node.IsScalar() && YAML::convert<double>::decode(node, value)) return value;
    return std::nullopt;
  }
};

template <>
struct Decoder<std::string> {
  static constexpr const char* kExpected = "a string";
  static std::optional<std::string> decode(const YAML::Node& node) {
    if (node.IsScalar()) return node.Scalar();
    return std::nullopt;
  }
};

template <>
struct Decoder<std::chrono::milliseconds> {
  static constexpr const char* kExpected = "a duration such as 250ms, 30s, 5m or 1h";
  static std::optional<std::chrono::milliseconds> decode(const YAML::Node& node) {
    if (!node.IsScalar()) return std::nullopt;
    return config::parse_duration(node.Scalar());
  }
};

template <>
struct Decoder<std::vector<std::string>> {
  static constexpr const char* kExpected = "a list of strings";
  static std::optional<std::vector<std::string>> decode(const YAML::Node& node) {
    if (!node.IsSequence()) return std::nullopt;
    std::vector<std::string> values;
    for (const auto& item : node) {
      if (!item.IsScalar()) return std::nullopt;
      values.push_back(item.Scalar());
    }
    return values;
  }
};

template <>
struct Decoder<std::vector<std::chrono::milliseconds>> {
  static constexpr const char* kExpected = "a list of durations such as [0s, 5s, 5m]";
  static std::optional<std::vector<std::chrono::milliseconds>> decode(const YAML::Node& node) {
    if (!node.IsSequence()) return std::nullopt;
    std::vector<std::chrono::milliseconds> values;
    for (const auto& item : node) {
      auto value = item.IsScalar() ? config::parse_duration(item.Scalar()) : std::nullopt;
      if (!value) return std::nullopt;
      values.push_back(*value);
    }
    return values;
  }
};

YAML::Node lookup(SectionState& state, const std::string& key) {
  state.asked.insert(key);
  return config::find_child(state.node, key);
}

template <typename T>
std::optional<T> read(SectionState& state, const std::string& key) {
  auto node = lookup(state, key);
  if (!node.IsDefined() || node.IsNull()) return std::nullopt;
  auto value = Decoder<T>::decode(node);
  if (!value) {
    state.document->add_problem(
        config::join_path(state.path, key), node,
        fmt::format("expected {}, got {}", Decoder<T>::kExpected, describe(node)));
  }
  return value;
}

}  // namespace

ConfigSection::ConfigSection(std::shared_ptr<config::SectionState> state)
    : state_(std::move(state)) {
  if (state_->node.IsDefined() && !state_->node.IsNull() && !state_->node.IsMap()) {
    state_->document->add_problem(state_->path, state_->node,
                                  "expected a map, got " + describe(state_->node));
  }
}

template <typename T>
T ConfigSection::get(const std::string& key, const T& fallback) const {
  return read<T>(*state_, key).value_or(fallback);
}

template <typename T>
T ConfigSection::require(const std::string& key) const {
  auto node = config::find_child(state_->node, key);
  if (!node.IsDefined() || node.IsNull()) {
    state_->asked.insert(key);
    state_->document->add_problem(config::join_path(state_->path, key), state_->node,
                                  "required key is missing");
    return T{};
  }
  return read<T>(*state_, key).value_or(T{});
}

template <typename T>
std::optional<T> ConfigSection::optional(const std::string& key) const {
  return read<T>(*state_, key);
}

#define ORCHESTRA_CONFIG_TYPE(T)                                              \
  template T ConfigSection::get<T>(const std::string&, const T&) const;       \
  template T ConfigSection::require<T>(const std::string&) const;             \
  template std::optional<T> ConfigSection::optional<T>(const std::string&) const;
ORCHESTRA_CONFIG_TYPE(bool)
ORCHESTRA_CONFIG_TYPE(int)
ORCHESTRA_CONFIG_TYPE(std::int64_t)
ORCHESTRA_CONFIG_TYPE(double)
ORCHESTRA_CONFIG_TYPE(std::string)
ORCHESTRA_CONFIG_TYPE(std::chrono::milliseconds)
ORCHESTRA_CONFIG_TYPE(std::vector<std::string>)
ORCHESTRA_CONFIG_TYPE(std::vector<std::chrono::milliseconds>)
#undef ORCHESTRA_CONFIG_TYPE

std::int64_t ConfigSection::get_int(const std::string& key, std::int64_t fallback,
                                    std::int64_t min, std::int64_t max) const {
  auto value = read<std::int64_t>(*state_, key);
  if (!value) return fallback;
  if (*value < min || *value > max) {
    report(key, fmt::format("must be between {} and {}, got {}", min, max, *value));
    return fallback;
  }
  return *value;
}

std::chrono::milliseconds ConfigSection::get_positive_duration(
    const std::string& key, std::chrono::milliseconds fallback) const {
  auto value = read<std::chrono::milliseconds>(*state_, key);
  if (!value) return fallback;
  if (value->count() <= 0) {
    report(key, "must be a positive duration");
    return fallback;
  }
  return *value;
}

std::string ConfigSection::get_choice(const std::string& key,
                                      const std::string& fallback,
                                      const std::vector<std::string>& choices) const {
  auto value = read<std::string>(*state_, key);
  if (!value) return fallback;
  if (std::find(choices.begin(), choices.end(), *value) == choices.end()) {
    report(key, fmt::format("must be one of {}, got \"{}\"", fmt::join(choices, ", "),
                            *value));
    return fallback;
  }
  return *value;
}

ConfigSection ConfigSection::section(const std::string& key) const {
  auto node = lookup(*state_, key);
  return ConfigSection(
      state_->document->section(config::join_path(state_->path, key), node));
}

std::vector<std::string> ConfigSection::keys() const {
  std::vector<std::string> names;
  if (!state_->node.IsMap()) return names;
  for (const auto& entry : state_->node) names.push_back(entry.first.Scalar());
  return names;
}

bool ConfigSection::has(const std::string& key) const {
  auto node = config::find_child(state_->node, key);
  return node.IsDefined() && !node.IsNull();
}

void ConfigSection::allow(const std::string& key) const { state_->asked.insert(key); }

const std::string& ConfigSection::path() const { return state_->path; }

void ConfigSection::report(const std::string& key, const std::string& problem) const {
  auto node = config::find_child(state_->node, key);
  state_->document->add_problem(config::join_path(state_->path, key),
                                node.IsDefined() ? node : state_->node, problem);
}

}  // namespace orchestra
