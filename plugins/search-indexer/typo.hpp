#pragma once
// Typo tolerance as Meilisearch has it: a word of 5 or more characters
// also matches words one edit away (insertion, deletion, substitution or
// swap of neighbours), one of 9 or more two edits away. Words are compared
// folded as the index folds them (lower case, no diacritics).

#include <string>

namespace search_indexer {

// How many typos a query word of this many characters may contain.
int typos_allowed(const std::u32string& word);
// Lower case without diacritics, for the scripts the index is tuned for
// (Latin, Polish, Cyrillic).
std::u32string fold(const std::string& utf8);
std::string to_utf8(const std::u32string& text);
// Optimal string alignment distance, stopping early past `limit`.
int edit_distance(const std::u32string& a, const std::u32string& b, int limit);

}  // namespace search_indexer
