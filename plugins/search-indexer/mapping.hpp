#pragma once
// Transform: how each source's documents become search documents. A
// source without a mapping, or a document its mapping cannot read, is an
// error (the document goes to the dead list).

#include "search_document.hpp"

#include <stdexcept>
#include <string>
#include <vector>

namespace search_indexer {

class TransformError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The sources the indexer follows, each with its mapping.
const std::vector<std::string>& known_sources();
bool is_known_source(const std::string& source);

// ASCII letters in lower case, as filter values are stored.
std::string lower_ascii(std::string value);

SearchDocument transform(const std::string& source, const std::string& key,
                         const std::string& json);

}  // namespace search_indexer
