#include "csv_summer.hpp"

#include <emmintrin.h>

#include <algorithm>
#include <cstring>

namespace csv_summer {
namespace {

constexpr std::size_t kCellShown = 40;

std::string shown(std::string_view cell) {
  if (cell.size() <= kCellShown) return std::string(cell);
  return std::string(cell.substr(0, kCellShown)) + "...";
}

}  // namespace

CsvSummer::CsvSummer(SumOptions options) : options_(options) {
  if (options_.every < 1) options_.every = 1;
  reset_countdown();
}

CsvSummer::CsvSummer(SumOptions options, const Layout& layout) : CsvSummer(options) {
  started_ = true;  // not the start of the file: no BOM
  first_row_done_ = true;
  columns_in_first_row_ = layout.columns;
  auto summed = layout.columns / static_cast<std::size_t>(options_.every);
  for (std::size_t i = 0; i < summed; ++i) {
    totals_.columns.push_back(ColumnTotal{(i + 1) * static_cast<std::size_t>(options_.every),
                                          i < layout.names.size() ? layout.names[i] : std::string(),
                                          {}});
  }
}

std::optional<Layout> CsvSummer::layout() const {
  if (!first_row_done_) return std::nullopt;
  Layout layout{columns_in_first_row_, {}};
  for (const auto& column : totals_.columns) layout.names.push_back(column.name);
  return layout;
}

void CsvSummer::reset_countdown() {
  countdown_ = static_cast<std::size_t>(options_.every) - 1;
}

void CsvSummer::feed(std::string_view data) {
  if (totals_.problem || data.empty()) return;
  if (!started_) {
    // A UTF-8 BOM may open the file, possibly split across pieces: hold
    // the first three bytes until they are known.
    auto wanted_bytes = std::min<std::size_t>(3 - opening_.size(), data.size());
    opening_.append(data.substr(0, wanted_bytes));
    data.remove_prefix(wanted_bytes);
    if (opening_.size() < 3) return;
    release_opening();
  }
  scan(data.data(), data.data() + data.size());
}

void CsvSummer::release_opening() {
  started_ = true;
  std::string_view opening = opening_;
  if (opening.starts_with("\xEF\xBB\xBF")) opening.remove_prefix(3);
  std::string held(opening);
  opening_.clear();
  scan(held.data(), held.data() + held.size());
}

void CsvSummer::scan(const char* p, const char* end) {
  while (p < end && !totals_.problem) {
    if (at_field_start_ && *p == '"') {
      at_field_start_ = false;
      field_ = Field::quoted;
      row_has_content_ = true;
      ++p;
      continue;
    }
    p = field_ == Field::unquoted ? scan_unquoted(p, end) : scan_quoted(p, end);
  }
}

// Unquoted fields (or what follows a closing quote), as many as there are
// until a quote opens a quoted field or the piece ends. The hot path: 16
// bytes are classified at once and each delimiter or newline costs a few
// instructions; only summed cells are copied.
const char* CsvSummer::scan_unquoted(const char* p, const char* end) {
  const char* field = p;  // the current field's text not yet taken
  const __m128i delimiters = _mm_set1_epi8(options_.delimiter);
  const __m128i newlines = _mm_set1_epi8('\n');
  const __m128i quotes = _mm_set1_epi8('"');
  for (;;) {
    unsigned stops = 0, quote_bits = 0;
    std::size_t span = 0;
    if (end - p >= 16) {
      __m128i chunk = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
      stops = static_cast<unsigned>(_mm_movemask_epi8(
          _mm_or_si128(_mm_cmpeq_epi8(chunk, delimiters), _mm_cmpeq_epi8(chunk, newlines))));
      quote_bits = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(chunk, quotes)));
      span = 16;
    } else {
      span = static_cast<std::size_t>(end - p);
      for (std::size_t i = 0; i < span; ++i) {
        if (p[i] == options_.delimiter || p[i] == '\n') stops |= 1u << i;
        if (p[i] == '"') quote_bits |= 1u << i;
      }
    }
    if (span == 0) break;
    unsigned first_quote = quote_bits != 0 ? static_cast<unsigned>(__builtin_ctz(quote_bits)) : 32;
    if (first_quote < 32) stops &= (1u << first_quote) - 1;
    while (stops != 0) {
      const char* stop = p + __builtin_ctz(stops);
      stops &= stops - 1;
      if (*stop == options_.delimiter) {
        row_has_content_ = true;
        if (countdown_ != 0 && first_row_done_) {
          skip_field();  // the common case: a field nobody sums
        } else {
          if (wanted()) cell_.append(field, stop);
          end_field();
        }
      } else {
        if (!row_has_content_) note_content(field, stop);
        if (wanted()) {
          cell_.append(field, stop);
          if (!cell_.empty() && cell_.back() == '\r') cell_.pop_back();
        }
        end_field();
        end_row();
        if (totals_.problem) return end;
      }
      field = stop + 1;
    }
    if (first_quote < 32) {
      const char* quote = p + first_quote;
      if (quote == field && at_field_start_) return quote;  // a quoted field opens
      // A quote inside an unquoted field is kept as text.
      row_has_content_ = true;
      if (wanted()) cell_.append(field, quote + 1);
      at_field_start_ = false;
      field = quote + 1;
      p = quote + 1;
      continue;
    }
    if (field < p + span) at_field_start_ = false;
    p += span;
  }
  if (field < end) {
    at_field_start_ = false;
    if (!row_has_content_) note_content(field, end);
    if (wanted()) cell_.append(field, end);
  }
  return end;
}

// Inside quotes: everything up to the closing quote is text; a doubled
// quote is one quote.
const char* CsvSummer::scan_quoted(const char* p, const char* end) {
  if (field_ == Field::after_quote) {
    // The previous piece ended on a quote: "" or the end of the quotes.
    field_ = Field::quoted;
    if (*p == '"') {
      if (wanted()) cell_.push_back('"');
      return p + 1;
    }
    field_ = Field::unquoted;
    return p;
  }
  const char* quote = static_cast<const char*>(std::memchr(p, '"', static_cast<std::size_t>(end - p)));
  const char* stop = quote != nullptr ? quote : end;
  if (wanted()) cell_.append(p, stop);
  if (quote == nullptr) return end;
  if (quote + 1 == end) {
    field_ = Field::after_quote;
    return end;
  }
  if (quote[1] == '"') {
    if (wanted()) cell_.push_back('"');
    return quote + 2;
  }
  field_ = Field::unquoted;
  return quote + 1;
}

// Carriage returns alone do not make a row: "\r\n" is a blank line.
void CsvSummer::note_content(const char* begin, const char* end) {
  row_has_content_ = std::any_of(begin, end, [](char c) { return c != '\r'; });
}

void CsvSummer::skip_field() {
  ++column_;
  --countdown_;
  at_field_start_ = true;
}

void CsvSummer::end_field() {
  if (!first_row_done_ && options_.header) {
    if (countdown_ == 0) header_names_.push_back(cell_);
  } else if (wanted()) {
    take_cell(cell_);
  }
  cell_.clear();
  ++column_;
  if (countdown_ == 0) {
    reset_countdown();
  } else {
    --countdown_;
  }
  at_field_start_ = true;
}

void CsvSummer::take_cell(std::string_view cell) {
  auto slot = (column_ + 1) / static_cast<std::size_t>(options_.every) - 1;
  if (pending_.size() <= slot) pending_.resize(slot + 1);
  pending_[slot].assign(cell);
  pending_count_ = std::max(pending_count_, slot + 1);
}

// Adds the row's summed cells once the row is known to be complete.
void CsvSummer::commit_row() {
  for (std::size_t slot = 0; slot < pending_count_ && !totals_.problem; ++slot) {
    std::string_view cell = pending_[slot];
    while (!cell.empty() && cell.front() == ' ') cell.remove_prefix(1);
    while (!cell.empty() && cell.back() == ' ') cell.remove_suffix(1);
    if (cell.empty()) {
      ++totals_.empty_cells;
    } else if (!totals_.columns[slot].sum.add(cell)) {
      if (options_.skip_invalid) {
        ++totals_.skipped_cells;
      } else {
        fail(totals_.rows + 1, totals_.columns[slot].index, pending_[slot], "is not a number");
      }
    }
  }
  pending_count_ = 0;
}

void CsvSummer::end_row() {
  auto fields = column_;
  column_ = 0;
  reset_countdown();
  at_field_start_ = true;
  bool blank = !row_has_content_;
  row_has_content_ = false;
  if (blank) return;  // empty lines are not rows
  if (!first_row_done_) {
    first_row_done_ = true;
    columns_in_first_row_ = fields;
    auto summed = fields / static_cast<std::size_t>(options_.every);
    for (std::size_t i = 0; i < summed; ++i) {
      totals_.columns.push_back(ColumnTotal{(i + 1) * static_cast<std::size_t>(options_.every),
                                            options_.header ? header_names_[i] : std::string(),
                                            {}});
    }
    if (options_.header) return;
  }
  auto needed = totals_.columns.empty() ? 0 : totals_.columns.back().index;
  if (fields < needed) {
    pending_count_ = 0;
    if (options_.skip_invalid) {
      ++totals_.skipped_rows;
      return;
    }
    fail(totals_.rows + 1, 0, {},
         "has " + std::to_string(fields) + " columns; column " + std::to_string(needed) +
             " is summed");
    return;
  }
  pending_count_ = std::min(pending_count_, totals_.columns.size());
  commit_row();
  if (!totals_.problem) ++totals_.rows;
}

void CsvSummer::finish() {
  if (totals_.problem) return;
  if (!started_) release_opening();
  if (field_ == Field::quoted) {
    fail(totals_.rows + 1, column_ + 1, cell_, "has a quote that is never closed");
    return;
  }
  if (row_has_content_ || !at_field_start_ || column_ > 0) {
    if (!cell_.empty() && cell_.back() == '\r') cell_.pop_back();
    end_field();
    end_row();
  }
}

void CsvSummer::fail(std::uint64_t row, std::size_t column, std::string_view cell,
                     std::string message) {
  if (!totals_.problem) totals_.problem = Problem{row, column, shown(cell), std::move(message)};
}

}  // namespace csv_summer
