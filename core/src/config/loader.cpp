#include "config/loader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

extern char** environ;

namespace orchestra::config {
namespace {

constexpr std::string_view kEnvPrefix = "ORCHESTRA_";
constexpr int kMaxYamlDepth = 64;

std::string join_problems(const std::vector<Problem>& problems) {
  std::string text;
  for (const auto& problem : problems) {
    if (!text.empty()) text += '\n';
    text += problem.to_string();
  }
  return text;
}

std::vector<std::string> split_env_name(std::string_view name) {
  std::vector<std::string> segments;
  std::string segment;
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (name.substr(i, 2) == "__") {
      segments.push_back(segment);
      segment.clear();
      ++i;
      continue;
    }
    segment += static_cast<char>(std::tolower(static_cast<unsigned char>(name[i])));
  }
  segments.push_back(segment);
  return segments;
}

// Lists and maps are written in YAML flow style ('[a, b]', '{k: v}');
// anything else is one scalar, so values like "prefix:" or "a: b" stay
// strings.
YAML::Node parse_env_value(const std::string& value) {
  if (!value.empty() && (value.front() == '[' || value.front() == '{')) {
    try {
      return YAML::Load(value);
    } catch (const YAML::Exception&) {
    }
  }
  return YAML::Node(value);
}

// The existing key that `segment` names ('_' also matches '-'), else segment.
std::string existing_key(const YAML::Node& map, const std::string& segment) {
  if (!map.IsMap()) return segment;
  for (const auto& entry : map) {
    auto key = entry.first.Scalar();
    auto normalised = key;
    std::replace(normalised.begin(), normalised.end(), '-', '_');
    if (key == segment || normalised == segment) return key;
  }
  return segment;
}

// Recursion instead of a loop: assigning to a YAML::Node handle rebinds the
// tree node it refers to, which would corrupt the document.
void set_path(YAML::Node node, const std::vector<std::string>& segments,
              std::size_t index, const YAML::Node& value, std::string& path) {
  auto key = existing_key(node, segments[index]);
  path = join_path(path, key);
  if (index + 1 == segments.size()) {
    node[key] = value;
    return;
  }
  if (!node[key].IsMap()) node[key] = YAML::Node(YAML::NodeType::Map);
  set_path(node[key], segments, index + 1, value, path);
}

void apply_environment(Document& document,
                       const std::map<std::string, std::string>& environment) {
  for (const auto& [name, value] : environment) {
    if (!name.starts_with(kEnvPrefix)) continue;
    auto rest = std::string_view(name).substr(kEnvPrefix.size());
    if (rest.find("__") == std::string_view::npos) continue;
    auto segments = split_env_name(rest);
    if (std::any_of(segments.begin(), segments.end(),
                    [](const std::string& s) { return s.empty(); })) {
      // Located at the variable: the file is not what is wrong.
      document.record_env_origin(name, name);
      document.add_problem(name, YAML::Node(), "malformed override variable name");
      continue;
    }
    std::string path;
    set_path(document.root(), segments, 0, parse_env_value(value), path);
    document.record_env_origin(path, name);
  }
}

// yaml-cpp keeps every entry of a map, and a lookup finds the first: a key
// written twice, or a section repeated, would silently lose the second.
// Aliases share nodes and can make the tree refer to itself, so each node is
// walked once (`walked`) and the depth is bounded.
void report_duplicate_keys(Document& document, const YAML::Node& node, const std::string& path,
                           std::vector<YAML::Node>& walked, int depth) {
  if (!node.IsMap() && !node.IsSequence()) return;
  if (depth > kMaxYamlDepth) return;
  if (std::any_of(walked.begin(), walked.end(), [&](const auto& seen) { return seen.is(node); })) {
    return;
  }
  walked.push_back(node);
  if (node.IsSequence()) {
    for (const auto& item : node) report_duplicate_keys(document, item, path, walked, depth + 1);
    return;
  }
  std::map<std::string, int> first_line;
  for (const auto& entry : node) {
    if (!entry.first.IsScalar()) {
      // Elsewhere keys are read as their text, which such a key has none of.
      document.add_problem(path.empty() ? "(document)" : path, entry.first,
                           "a key must be a plain name, not a list or a map");
      continue;
    }
    auto key = entry.first.Scalar();
    auto child_path = join_path(path, key);
    auto [seen, inserted] = first_line.emplace(key, entry.first.Mark().line + 1);
    if (!inserted) {
      document.add_problem(child_path, entry.first,
                           fmt::format("written twice (first at line {})", seen->second));
      continue;
    }
    report_duplicate_keys(document, entry.second, child_path, walked, depth + 1);
  }
}

std::shared_ptr<Document> parse(const std::string& text, const std::string& name) {
  try {
    auto root = YAML::Load(text);
    if (!root.IsDefined() || root.IsNull()) root = YAML::Node(YAML::NodeType::Map);
    auto document = std::make_shared<Document>(name, root);
    std::vector<YAML::Node> walked;
    report_duplicate_keys(*document, root, "", walked, 0);
    return document;
  } catch (const YAML::ParserException& error) {
    auto document = std::make_shared<Document>(name, YAML::Node(YAML::NodeType::Map));
    document->add_problem(
        "(document)", YAML::Node(),
        fmt::format("invalid YAML at line {}, column {}: {}", error.mark.line + 1,
                    error.mark.column + 1, error.msg));
    return document;
  }
}

}  // namespace

ConfigError::ConfigError(std::vector<Problem> problems)
    : std::runtime_error(join_problems(problems)), problems_(std::move(problems)) {}

ConfigTree::ConfigTree(std::shared_ptr<Document> document)
    : document_(std::move(document)) {}

ConfigTree ConfigTree::load_string(const std::string& text, const std::string& name,
                                   const std::map<std::string, std::string>& environment) {
  auto document = parse(text, name);
  if (!document->root().IsMap()) {
    auto replacement =
        std::make_shared<Document>(name, YAML::Node(YAML::NodeType::Map));
    replacement->add_problem("(document)", document->root(),
                             "the configuration must be a map of sections");
    document = std::move(replacement);
  }
  apply_environment(*document, environment);
  return ConfigTree(std::move(document));
}

ConfigTree ConfigTree::load_file(const std::string& path,
                                 const std::map<std::string, std::string>& environment) {
  std::ifstream file(path);
  if (!file) {
    throw ConfigError({Problem{path, "(file)", "cannot open the configuration file"}});
  }
  std::stringstream text;
  text << file.rdbuf();
  return load_string(text.str(), path, environment);
}

ConfigSection ConfigTree::root() const {
  return ConfigSection(document_->section("", document_->root()));
}

void ConfigTree::finish() const {
  document_->report_unknown_keys();
  auto problems = document_->problems();
  if (!problems.empty()) throw ConfigError(std::move(problems));
}

std::map<std::string, std::string> process_environment() {
  std::map<std::string, std::string> environment;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    std::string_view text(*entry);
    auto equals = text.find('=');
    if (equals == std::string_view::npos) continue;
    environment.emplace(text.substr(0, equals), text.substr(equals + 1));
  }
  return environment;
}

}  // namespace orchestra::config
