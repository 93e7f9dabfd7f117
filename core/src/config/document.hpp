#pragma once
// The parsed YAML tree plus what the readers learn about it: where each
// value came from (file line or environment variable) and every problem
// found so far.

#include <yaml-cpp/yaml.h>

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace orchestra::config {

struct Problem {
  std::string location;  // "orchestra.yaml:12:5" or "$ORCHESTRA_SERVER__THREADS"
  std::string path;      // "server.threads"
  std::string message;

  std::string to_string() const;
};

class Document {
 public:
  Document(std::string file_name, YAML::Node root);

  YAML::Node root() const { return root_; }
  void record_env_origin(const std::string& path, const std::string& variable);
  // Where the value at `path` (held by `node`) came from.
  std::string location(const std::string& path, const YAML::Node& node) const;

  void add_problem(const std::string& path, const YAML::Node& node,
                   const std::string& message);
  std::vector<Problem> problems() const;

  // The one reader state for the map at `path`, shared by every
  // ConfigSection opened on it.
  std::shared_ptr<struct SectionState> section(const std::string& path,
                                               YAML::Node node);
  // Reports, for every section opened so far, the keys no reader asked for.
  void report_unknown_keys();

 private:
  std::string file_name_;
  YAML::Node root_;
  std::map<std::string, std::string> env_origin_;
  mutable std::mutex mutex_;
  std::vector<Problem> problems_;
  std::map<std::string, std::shared_ptr<SectionState>> sections_;
};

struct SectionState {
  Document* document;  // owns this state
  YAML::Node node;  // a map, or undefined when the section is absent
  std::string path;
  std::set<std::string> asked;  // every key a reader asked for or allowed
};

std::string join_path(const std::string& parent, const std::string& key);

// Child lookup that also accepts `a_b` for key `a-b`, because environment
// variable names cannot contain '-'.
YAML::Node find_child(const YAML::Node& map, const std::string& key);

}  // namespace orchestra::config
