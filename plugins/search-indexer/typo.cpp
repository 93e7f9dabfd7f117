#include "typo.hpp"

#include <algorithm>
#include <vector>

namespace search_indexer {
namespace {

char32_t fold_char(char32_t c) {
  if (c >= U'A' && c <= U'Z') return c + 32;
  if (c == 0x0451 || c == 0x0401) return 0x0435;    // ё, Ё → е, as the tokenizer folds it
  if (c >= 0x0410 && c <= 0x042F) return c + 32;    // Cyrillic capitals
  if (c >= 0x0400 && c <= 0x040F) return c + 80;    // Ѐ..Џ
  static const std::u32string kFrom =
      U"ÀÁÂÃÄÅàáâãäåĄąÇçĆćČčÈÉÊËèéêëĘęĚěÌÍÎÏìíîïŁłÑñŃńŇňÒÓÔÕÖØòóôõöøŚśŠšÙÚÛÜùúûüŮůÝýÿŹźŻżŽž";
  static const std::u32string kTo =
      U"aaaaaaaaaaaaaacccccceeeeeeeeeeeeiiiiiiiillnnnnnnoooooooooooossssuuuuuuuuuuyyyzzzzzz";
  auto at = kFrom.find(c);
  return at == std::u32string::npos ? c : kTo[at];
}

}  // namespace

std::u32string fold(const std::string& utf8) {
  std::u32string out;
  for (std::size_t i = 0; i < utf8.size();) {
    auto byte = static_cast<unsigned char>(utf8[i]);
    char32_t c = byte;
    int extra = byte >= 0xF0 ? 3 : byte >= 0xE0 ? 2 : byte >= 0xC0 ? 1 : 0;
    if (extra > 0) c = byte & (0x3F >> extra);
    for (int k = 1; k <= extra && i + static_cast<std::size_t>(k) < utf8.size(); ++k) {
      c = (c << 6) | (static_cast<unsigned char>(utf8[i + static_cast<std::size_t>(k)]) & 0x3F);
    }
    i += static_cast<std::size_t>(extra) + 1;
    out += fold_char(c);
  }
  return out;
}

std::string to_utf8(const std::u32string& text) {
  std::string out;
  for (char32_t c : text) {
    if (c < 0x80) {
      out += static_cast<char>(c);
    } else if (c < 0x800) {
      out += static_cast<char>(0xC0 | (c >> 6));
      out += static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
      out += static_cast<char>(0xE0 | (c >> 12));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (c & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (c >> 18));
      out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (c & 0x3F));
    }
  }
  return out;
}

int typos_allowed(const std::u32string& word) {
  if (word.size() >= 9) return 2;
  return word.size() >= 5 ? 1 : 0;
}

int edit_distance(const std::u32string& a, const std::u32string& b, int limit) {
  auto gap = static_cast<int>(a.size()) - static_cast<int>(b.size());
  if (std::abs(gap) > limit) return limit + 1;
  std::vector<std::vector<int>> d(a.size() + 1, std::vector<int>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = static_cast<int>(i);
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = static_cast<int>(j);
  for (std::size_t i = 1; i <= a.size(); ++i) {
    int row_best = limit + 1;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      int cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
      row_best = std::min(row_best, d[i][j]);
    }
    if (row_best > limit) return limit + 1;
  }
  return d[a.size()][b.size()];
}

}  // namespace search_indexer
