#pragma once
// What the index holds for one source document: text to search (a title,
// weighted above the body), the fields a hit shows, and filter values.

#include <string>
#include <utility>
#include <vector>

namespace search_indexer {

struct SearchDocument {
  std::string source;
  std::string key;
  std::string title;
  std::string body;
  std::string stored;  // JSON object: what a hit shows
  // Filter and facet values; a name may repeat (genres, platforms).
  std::vector<std::pair<std::string, std::string>> filters;
};

}  // namespace search_indexer
