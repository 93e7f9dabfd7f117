#pragma once
// The query language: words (all must match), "exact phrases", -excluded
// words or phrases, and the last word as a prefix while the user types
// (unless the query ends with a space or a quote).

#include <string>
#include <string_view>
#include <vector>

namespace search_indexer {

struct QueryTerm {
  std::string text;  // a word, or the words of a phrase
  bool phrase = false;
  bool excluded = false;
  bool prefix = false;
  // Indexed words within the typos allowed (filled by the index).
  std::vector<std::string> corrections;
};

inline constexpr std::size_t kMaxQueryLength = 500;
inline constexpr std::size_t kMaxTerms = 20;

// Valid UTF-8 without control characters.
bool is_clean_text(std::string_view text);

// Throws std::invalid_argument naming the problem: an empty query, one
// with only exclusions, an unclosed quote, too long or too many terms.
std::vector<QueryTerm> parse_query(const std::string& text);

}  // namespace search_indexer
