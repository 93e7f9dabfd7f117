#pragma once
// Loads the configuration file, applies environment overrides and opens
// the root section for reading.

#include "config/document.hpp"

#include <orchestra/config.hpp>

#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace orchestra::config {

// Thrown when the configuration has problems; what() lists all of them,
// one per line.
class ConfigError : public std::runtime_error {
 public:
  explicit ConfigError(std::vector<Problem> problems);
  const std::vector<Problem>& problems() const { return problems_; }

 private:
  std::vector<Problem> problems_;
};

class ConfigTree {
 public:
  // `environment` holds NAME=value pairs; ORCHESTRA_<A>__<B>[__<C>...]=value
  // overrides key a.b.c. The value is read as YAML, so lists work:
  // ORCHESTRA_PLUGINS__ENABLED='[echo]'.
  static ConfigTree load_file(const std::string& path,
                              const std::map<std::string, std::string>& environment);
  static ConfigTree load_string(const std::string& text, const std::string& name,
                                const std::map<std::string, std::string>& environment);

  ConfigSection root() const;
  // Reports unknown keys of every section opened so far, then throws
  // ConfigError if any problem was found.
  void finish() const;
  std::vector<Problem> problems() const { return document_->problems(); }

 private:
  explicit ConfigTree(std::shared_ptr<Document> document);
  std::shared_ptr<Document> document_;
};

std::map<std::string, std::string> process_environment();

}  // namespace orchestra::config
