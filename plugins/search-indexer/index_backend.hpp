#pragma once
// Load: where search documents go, and how they are found. Writes happen
// inside the caller's transaction, so the pipeline's checkpoint moves with
// them; a backend outside the database would make its writes idempotent
// and move the checkpoint after them instead.

#include "query.hpp"
#include "search_document.hpp"

#include <soci/soci.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace search_indexer {

// A condition on filter values: equal to one of `values`, or in a range
// (values compare as text; numbers are stored zero-padded).
struct FilterCondition {
  std::string name;
  std::vector<std::string> values;
  std::optional<std::string> at_least;
  std::optional<std::string> at_most;
};

struct SearchRequest {
  std::vector<QueryTerm> terms;
  std::optional<std::string> source;
  std::vector<FilterCondition> filters;
  std::vector<std::string> facets;
  int limit = 20;
  std::optional<std::string> cursor;  // from the previous page's next_cursor
};

struct Hit {
  std::string source;
  std::string key;
  double score = 0;        // higher is better
  std::string stored;      // JSON
  std::string title;       // HTML: escaped, matches in <mark>
  std::string snippet;     // HTML: escaped, matches in <mark>
};

struct SearchResult {
  std::vector<Hit> hits;
  std::optional<std::string> next_cursor;
  // Per facet, values with their counts among all matches, most first.
  std::map<std::string, std::vector<std::pair<std::string, std::int64_t>>> facets;
};

// One change to the index: a document to write, or (nullopt) to remove.
struct IndexWrite {
  std::string source;
  std::string key;
  std::optional<SearchDocument> document;
};

class IndexBackend {
 public:
  virtual ~IndexBackend() = default;
  // In order; later writes of a key win.
  virtual void write(soci::session& session, const std::vector<IndexWrite>& writes) = 0;
  // Throws std::invalid_argument for a cursor it did not make.
  virtual SearchResult search(const SearchRequest& request) = 0;
  virtual std::int64_t count(const std::string& source) = 0;
  // False while the index cannot be written (then nothing is given up on).
  virtual bool reachable() = 0;
};

}  // namespace search_indexer
