#include "config/document.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace orchestra::config {

std::string Problem::to_string() const {
  return fmt::format("{}: {}: {}", location, path, message);
}

Document::Document(std::string file_name, YAML::Node root)
    : file_name_(std::move(file_name)), root_(std::move(root)) {}

void Document::record_env_origin(const std::string& path,
                                 const std::string& variable) {
  env_origin_[path] = variable;
}

std::string Document::location(const std::string& path,
                               const YAML::Node& node) const {
  for (auto prefix = path;;) {
    if (auto it = env_origin_.find(prefix); it != env_origin_.end()) {
      return "$" + it->second;
    }
    auto dot = prefix.rfind('.');
    if (dot == std::string::npos) break;
    prefix.resize(dot);
  }
  if (node.IsDefined() && node.Mark().line >= 0) {
    return fmt::format("{}:{}:{}", file_name_, node.Mark().line + 1,
                       node.Mark().column + 1);
  }
  return file_name_;
}

void Document::add_problem(const std::string& path, const YAML::Node& node,
                           const std::string& message) {
  auto problem = Problem{location(path, node), path, message};
  std::lock_guard lock(mutex_);
  problems_.push_back(std::move(problem));
}

std::vector<Problem> Document::problems() const {
  std::lock_guard lock(mutex_);
  return problems_;
}

std::shared_ptr<SectionState> Document::section(const std::string& path,
                                               YAML::Node node) {
  std::lock_guard lock(mutex_);
  auto& state = sections_[path];
  if (!state) {
    state = std::make_shared<SectionState>(SectionState{this, node, path, {}});
  }
  return state;
}

std::string join_path(const std::string& parent, const std::string& key) {
  return parent.empty() ? key : parent + "." + key;
}

YAML::Node find_child(const YAML::Node& map, const std::string& key) {
  if (!map.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
  for (const auto& entry : map) {
    auto name = entry.first.Scalar();
    if (name == key) return entry.second;
  }
  auto underscored = key;
  std::replace(underscored.begin(), underscored.end(), '-', '_');
  if (underscored != key) {
    for (const auto& entry : map) {
      if (entry.first.Scalar() == underscored) return entry.second;
    }
  }
  return YAML::Node(YAML::NodeType::Undefined);
}

namespace {

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1,
                         diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string suggestion(const std::string& key,
                       const std::set<std::string>& known) {
  std::string best;
  std::size_t best_distance = 3;
  for (const auto& candidate : known) {
    auto distance = edit_distance(key, candidate);
    if (distance < best_distance) {
      best = candidate;
      best_distance = distance;
    }
  }
  return best.empty() ? "" : fmt::format(" (did you mean '{}'?)", best);
}

bool is_asked(const std::set<std::string>& asked, std::string key) {
  if (asked.contains(key)) return true;
  std::replace(key.begin(), key.end(), '_', '-');
  return asked.contains(key);
}

}  // namespace

void Document::report_unknown_keys() {
  std::vector<std::shared_ptr<SectionState>> states;
  {
    std::lock_guard lock(mutex_);
    for (auto& [path, state] : sections_) states.push_back(state);
  }
  for (const auto& state : states) {
    if (!state->node.IsMap()) continue;
    for (const auto& entry : state->node) {
      if (!entry.first.IsScalar()) continue;  // reported when the file was read
      auto key = entry.first.Scalar();
      if (is_asked(state->asked, key)) continue;
      add_problem(join_path(state->path, key), entry.first,
                  "unknown key" + suggestion(key, state->asked));
    }
  }
}

}  // namespace orchestra::config
