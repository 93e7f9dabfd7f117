#include "query.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace search_indexer {
namespace {

// True when `text` has something a tokenizer would keep: a letter or
// digit (any non-ASCII byte counts, as part of a letter).
bool has_word(const std::string& text) {
  return std::any_of(text.begin(), text.end(), [](unsigned char c) {
    return std::isalnum(c) || c >= 0x80;
  });
}

}  // namespace

bool is_clean_text(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    auto byte = static_cast<unsigned char>(text[i]);
    if (byte < 0x20 || byte == 0x7F) return false;
    std::size_t extra = 0;
    if (byte >= 0x80) {
      if (byte >= 0xC2 && byte <= 0xDF) {
        extra = 1;
      } else if ((byte & 0xF0) == 0xE0) {
        extra = 2;
      } else if (byte >= 0xF0 && byte <= 0xF4) {
        extra = 3;
      } else {
        return false;
      }
    }
    if (i + extra >= text.size() && extra > 0) return false;
    for (std::size_t k = 1; k <= extra; ++k) {
      if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return false;
    }
    i += extra + 1;
  }
  return true;
}

std::vector<QueryTerm> parse_query(const std::string& text) {
  if (!is_clean_text(text)) {
    throw std::invalid_argument("the query has control characters or is not valid UTF-8");
  }
  if (text.size() > kMaxQueryLength) {
    throw std::invalid_argument(
        fmt::format("the query is longer than {} characters", kMaxQueryLength));
  }
  std::vector<QueryTerm> terms;
  std::size_t at = 0;
  bool open_end = false;  // the last term was typed up to the end
  while (at < text.size()) {
    if (std::isspace(static_cast<unsigned char>(text[at]))) {
      ++at;
      continue;
    }
    QueryTerm term;
    if (text[at] == '-' && at + 1 < text.size() &&
        !std::isspace(static_cast<unsigned char>(text[at + 1]))) {
      term.excluded = true;
      ++at;
    }
    if (text[at] == '"') {
      auto close = text.find('"', at + 1);
      if (close == std::string::npos) throw std::invalid_argument("a quote is not closed");
      term.text = text.substr(at + 1, close - at - 1);
      term.phrase = true;
      at = close + 1;
      open_end = false;
    } else {
      auto end = at;
      while (end < text.size() && !std::isspace(static_cast<unsigned char>(text[end])) &&
             text[end] != '"') {
        ++end;
      }
      term.text = text.substr(at, end - at);
      at = end;
      open_end = at == text.size();
    }
    if (has_word(term.text)) terms.push_back(std::move(term));
  }
  if (terms.size() > kMaxTerms) {
    throw std::invalid_argument(fmt::format("the query has more than {} terms", kMaxTerms));
  }
  if (std::none_of(terms.begin(), terms.end(), [](const QueryTerm& t) { return !t.excluded; })) {
    throw std::invalid_argument("the query needs at least one word to look for");
  }
  if (open_end && !terms.back().excluded && !terms.back().phrase) terms.back().prefix = true;
  return terms;
}

}  // namespace search_indexer
