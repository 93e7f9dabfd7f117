#pragma once
// Streams a CSV (RFC 4180: quoted fields with delimiters, doubled quotes
// and newlines; CRLF or LF; a UTF-8 BOM; a missing final newline) and sums
// every `every`-th column exactly. Only the summed columns' cells are
// parsed; everything else is skipped by classifying 64 bytes at a time
// (delimiters, newlines, quotes) and counting delimiters in bulk.

#include "decimal_sum.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace csv_summer {

struct SumOptions {
  char delimiter = ',';
  bool header = true;
  int every = 10;             // columns every, 2*every, ... (1-based)
  bool skip_invalid = false;  // else the first invalid cell or short row is a problem
};

struct ColumnTotal {
  std::size_t index = 0;  // 1-based
  std::string name;       // from the header, when there is one
  DecimalSum sum;
};

struct Problem {
  std::uint64_t row = 0;     // 1-based data row (the header is row 0)
  std::size_t column = 0;    // 1-based; 0 for a short row
  std::string cell;          // truncated
  std::string message;
};

struct Totals {
  std::vector<ColumnTotal> columns;
  std::uint64_t rows = 0;           // data rows summed
  std::uint64_t empty_cells = 0;    // summed as 0
  std::uint64_t skipped_cells = 0;  // invalid, skipped
  std::uint64_t skipped_rows = 0;   // too short, skipped
  // Quotes inside unquoted fields (12" screen), kept as text: the quote
  // parity a split relies on then no longer tells where quoted fields are.
  std::uint64_t text_quotes = 0;
  std::optional<Problem> problem;   // set once; later input is ignored
};

// The columns of a file, known from its first row: how many, and the
// names of the summed ones (when there is a header).
struct Layout {
  std::size_t columns = 0;
  std::vector<std::string> names;
};

class CsvSummer {
 public:
  explicit CsvSummer(SumOptions options);
  // For a piece of a file after its first row: the layout that row fixed.
  CsvSummer(SumOptions options, const Layout& layout);

  // Bytes in order, in pieces of any size.
  void feed(std::string_view data);
  // The end of the input: a last row without a newline counts.
  void finish();
  const Totals& totals() const { return totals_; }
  // Known once the first row ended.
  std::optional<Layout> layout() const;

 private:
  enum class Field { unquoted, quoted, after_quote };

  void release_opening();
  void scan(const char* begin, const char* end);
  const char* scan_unquoted(const char* p, const char* end);
  const char* scan_quoted(const char* p, const char* end);
  void end_field(std::string_view tail = {}, bool line_end = false);
  void skip_field();
  void note_content(const char* begin, const char* end);
  void end_row();
  // Whether the current field is summed (or named, in the header).
  bool wanted() const {
    return countdown_ == 0 && (!first_row_done_ || column_ < columns_in_first_row_);
  }
  void reset_countdown();
  void keep_cell(std::string_view text);
  void commit_row();
  void fail(std::uint64_t row, std::size_t column, std::string_view cell, std::string message);

  SumOptions options_;
  bool bmi2_ = false;  // the CPU has BMI2 and POPCNT
  Totals totals_;
  bool started_ = false;        // past the BOM check
  std::string opening_;         // the first bytes, until the BOM check
  bool first_row_done_ = false;
  std::size_t columns_in_first_row_ = 0;
  std::size_t column_ = 0;      // 0-based column of the current field
  std::size_t countdown_ = 0;   // fields until the next summed one
  bool row_has_content_ = false;
  Field field_ = Field::unquoted;
  bool at_field_start_ = true;
  std::string cell_;            // the current field's text, when wanted
  std::vector<std::string> header_names_;
  // A summed cell of the current row, read but not added yet.
  struct PendingCell {
    enum class Kind { empty, number, invalid } kind = Kind::empty;
    DecimalValue value;
    std::string text;  // invalid cells only, as written
  };
  std::vector<PendingCell> pending_;  // by slot
  std::size_t pending_count_ = 0;
};

}  // namespace csv_summer
