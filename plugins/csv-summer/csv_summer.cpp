#include "csv_summer.hpp"

#include <immintrin.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <utility>

namespace csv_summer {
namespace {

constexpr std::size_t kCellShown = 40;

std::string shown(std::string_view cell) {
  if (cell.size() <= kCellShown) return std::string(cell);
  return std::string(cell.substr(0, kCellShown)) + "...";
}

// Where the delimiters, newlines and quotes are in the next (up to) 64
// bytes, one bit per byte.
struct BlockMasks {
  std::uint64_t delimiters = 0;
  std::uint64_t newlines = 0;
  std::uint64_t quotes = 0;
  std::size_t span = 0;
};

std::uint64_t bits_equal(const char* p, __m128i wanted) {
  auto mask = [&](int i) {
    auto chunk = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * i));
    return static_cast<std::uint64_t>(
        static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(chunk, wanted))));
  };
  return mask(0) | mask(1) << 16 | mask(2) << 32 | mask(3) << 48;
}

BlockMasks classify(const char* p, const char* end, char delimiter) {
  BlockMasks masks;
  if (end - p >= 64) {
    masks.delimiters = bits_equal(p, _mm_set1_epi8(delimiter));
    masks.newlines = bits_equal(p, _mm_set1_epi8('\n'));
    // Quotes are rare: one test for the block, positions only when needed.
    const __m128i quote = _mm_set1_epi8('"');
    auto any = _mm_or_si128(
        _mm_or_si128(_mm_cmpeq_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)), quote),
                     _mm_cmpeq_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16)), quote)),
        _mm_or_si128(_mm_cmpeq_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 32)), quote),
                     _mm_cmpeq_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 48)), quote)));
    if (_mm_movemask_epi8(any) != 0) masks.quotes = bits_equal(p, quote);
    masks.span = 64;
    return masks;
  }
  masks.span = static_cast<std::size_t>(end - p);
  for (std::size_t i = 0; i < masks.span; ++i) {
    if (p[i] == delimiter) masks.delimiters |= std::uint64_t{1} << i;
    if (p[i] == '\n') masks.newlines |= std::uint64_t{1} << i;
    if (p[i] == '"') masks.quotes |= std::uint64_t{1} << i;
  }
  return masks;
}

// Up to `count` of the lowest set bits of `bits`: how many, and the
// highest of them (0 when none).
std::pair<std::size_t, std::uint64_t> lowest_bits_portably(std::uint64_t bits,
                                                           std::size_t count) {
  std::size_t taken = 0;
  std::uint64_t last = 0;
  while (bits != 0 && taken < count) {
    last = bits & (~bits + 1);
    bits &= bits - 1;
    ++taken;
  }
  return {taken, last};
}

// The same in a few instructions, on CPUs with BMI2 and POPCNT (checked
// at run time: the build targets baseline x86-64).
__attribute__((target("bmi2,popcnt"))) std::pair<std::size_t, std::uint64_t> lowest_bits_bmi2(
    std::uint64_t bits, std::size_t count) {
  auto total = static_cast<std::size_t>(_mm_popcnt_u64(bits));
  if (total <= count) {
    return {total, total == 0 ? 0 : std::uint64_t{1} << (63 - __builtin_clzll(bits))};
  }
  return {count, _pdep_u64(std::uint64_t{1} << (count - 1), bits)};
}

bool cpu_has_bmi2() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("bmi2") && __builtin_cpu_supports("popcnt");
}


}  // namespace

CsvSummer::CsvSummer(SumOptions options) : options_(options), bmi2_(cpu_has_bmi2()) {
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
// until a quote opens a quoted field or the piece ends. The hot path: 64
// bytes are classified at once; the delimiters of fields nobody sums are
// skipped in bulk (up to the next summed field or newline), so a row costs
// a few steps per summed cell rather than one per field; only summed
// cells are copied.
const char* CsvSummer::scan_unquoted(const char* p, const char* end) {
  const char* field = p;  // the current field's text not yet taken
  for (;;) {
    auto masks = classify(p, end, options_.delimiter);
    if (masks.span == 0) break;
    auto first_quote = masks.quotes != 0 ? static_cast<std::size_t>(__builtin_ctzll(masks.quotes))
                                         : std::size_t{64};
    auto before_quote = first_quote < 64 ? (std::uint64_t{1} << first_quote) - 1 : ~std::uint64_t{0};
    auto delimiters = masks.delimiters & before_quote;
    auto stops = (delimiters | masks.newlines) & before_quote;
    while (stops != 0) {
      if (countdown_ != 0 && first_row_done_) {
        auto newlines = stops & ~delimiters;
        auto before_newline = newlines != 0 ? (newlines & (~newlines + 1)) - 1 : ~std::uint64_t{0};
        auto skippable = stops & delimiters & before_newline;
        auto [skipped, last] = bmi2_ ? lowest_bits_bmi2(skippable, countdown_)
                                     : lowest_bits_portably(skippable, countdown_);
        if (skipped != 0) {
          column_ += skipped;
          countdown_ -= skipped;
          at_field_start_ = true;
          row_has_content_ = true;
          stops &= ~(last | (last - 1));
          field = p + __builtin_ctzll(last) + 1;
          continue;
        }
      }
      const char* stop = p + __builtin_ctzll(stops);
      stops &= stops - 1;
      if (*stop == options_.delimiter) {
        row_has_content_ = true;
        end_field(wanted() ? std::string_view(field, static_cast<std::size_t>(stop - field))
                           : std::string_view());
      } else {
        if (!row_has_content_) note_content(field, stop);
        end_field(wanted() ? std::string_view(field, static_cast<std::size_t>(stop - field))
                           : std::string_view(),
                  true);
        end_row();
        if (totals_.problem) return end;
      }
      field = stop + 1;
    }
    if (first_quote < 64) {
      const char* quote = p + first_quote;
      if (quote == field && at_field_start_) return quote;  // a quoted field opens
      // A quote inside an unquoted field is kept as text.
      ++totals_.text_quotes;
      row_has_content_ = true;
      if (wanted()) cell_.append(field, quote + 1);
      at_field_start_ = false;
      field = quote + 1;
      p = quote + 1;
      continue;
    }
    if (field < p + masks.span) at_field_start_ = false;
    p += masks.span;
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

// `tail`: the end of the field's text in the current piece (the rest is in
// cell_); at the end of a line a carriage return is not part of it.
void CsvSummer::end_field(std::string_view tail, bool line_end) {
  std::string_view text = tail;
  if (!cell_.empty()) {
    cell_.append(tail);
    text = cell_;
  }
  if (line_end && !text.empty() && text.back() == '\r') text.remove_suffix(1);
  if (!first_row_done_ && options_.header) {
    if (countdown_ == 0) header_names_.emplace_back(text);
  } else if (wanted()) {
    keep_cell(text);
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

// Read now, added once the row is known to be complete.
void CsvSummer::keep_cell(std::string_view text) {
  // Summed cells come in column order: each is the row's next slot.
  auto slot = pending_count_;
  if (pending_.size() <= slot) pending_.resize(slot + 1);
  auto& cell = pending_[slot];
  auto trimmed = text;
  while (!trimmed.empty() && trimmed.front() == ' ') trimmed.remove_prefix(1);
  while (!trimmed.empty() && trimmed.back() == ' ') trimmed.remove_suffix(1);
  if (trimmed.empty()) {
    cell.kind = PendingCell::Kind::empty;
  } else if (DecimalSum::parse(trimmed, cell.value)) {
    cell.kind = PendingCell::Kind::number;
  } else {
    cell.kind = PendingCell::Kind::invalid;
    cell.text.assign(text);
  }
  pending_count_ = slot + 1;
}

void CsvSummer::commit_row() {
  for (std::size_t slot = 0; slot < pending_count_ && !totals_.problem; ++slot) {
    const auto& cell = pending_[slot];
    switch (cell.kind) {
      case PendingCell::Kind::empty:
        ++totals_.empty_cells;
        break;
      case PendingCell::Kind::number:
        totals_.columns[slot].sum.add(cell.value);
        break;
      case PendingCell::Kind::invalid:
        if (options_.skip_invalid) {
          ++totals_.skipped_cells;
        } else {
          fail(totals_.rows + 1, totals_.columns[slot].index, cell.text, "is not a number");
        }
        break;
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
  if (blank) {  // empty lines are not rows
    pending_count_ = 0;
    return;
  }
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
    end_field({}, true);
    end_row();
  }
}

void CsvSummer::fail(std::uint64_t row, std::size_t column, std::string_view cell,
                     std::string message) {
  if (!totals_.problem) totals_.problem = Problem{row, column, shown(cell), std::move(message)};
}

}  // namespace csv_summer
