#pragma once
// Sums one file with several threads, each over a byte range. Each range
// starts at its first row that begins after a newline outside quotes
// (quoted newlines at a split point stay inside their field) and ends
// where the next range's first row begins. The quote state at a split
// point is the parity of the quotes before it. In one pass, each range
// first assumes that the first newline past its split point ends a row
// (true unless it is a quoted newline) and counts its quotes while it
// sums; the parities then confirm the assumption, or the file is summed
// again exactly: quotes counted per range first, then the rows.

#include "csv_summer.hpp"

#include <orchestra/blobs.hpp>

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace csv_summer {

struct ParallelOptions {
  int threads = 2;
  std::size_t buffer_bytes = 1 << 20;  // per thread
  std::uint64_t parallel_above = 8 << 20;  // smaller files are not worth the threads
};

struct FileTotals {
  Totals totals;
  std::uint64_t bytes = 0;
  // The one-pass assumption failed (a split point inside quotes), so the
  // file was summed a second time, exactly.
  bool summed_twice = false;
};

// The steps of a split sum, also used by chunk tasks on several workers.
// Quotes in [begin, end).
std::uint64_t count_quotes_in(orchestra::blobs::BlobStore& blobs, const std::string& name,
                              std::uint64_t begin, std::uint64_t end);
// The layout fixed by the file's first row; nullopt when it has no
// complete row.
std::optional<Layout> read_layout(orchestra::blobs::BlobStore& blobs, const std::string& name,
                                  const SumOptions& options);
// Just after the first newline past `begin` (`size` if none before it),
// with the quotes in between.
struct RowStart {
  std::uint64_t at = 0;
  std::uint64_t quotes = 0;
};
RowStart first_newline_after(orchestra::blobs::BlobStore& blobs, const std::string& name,
                             std::uint64_t begin, std::uint64_t size);
// Where the first row starting after `begin` begins, given the quote state
// at `begin`: after the first newline outside quotes (`size` if none).
std::uint64_t row_start_after(orchestra::blobs::BlobStore& blobs, const std::string& name,
                              std::uint64_t begin, bool in_quotes, std::uint64_t size);
// The sums of the rows in [start, end); `layout` null for the range that
// starts the file.
Totals sum_range(orchestra::blobs::BlobStore& blobs, const std::string& name,
                 const SumOptions& options, const Layout* layout, std::uint64_t start,
                 std::uint64_t end, std::size_t buffer_bytes,
                 const std::function<bool(std::string_view piece, std::uint64_t rows)>& on_piece);
// Appends `part` (the next range) to `whole`; a problem's row number
// becomes global.
void merge_into(Totals& whole, const Totals& part);

struct SplitTotals {
  Totals totals;
  std::uint64_t quotes = 0;   // in [start, end)
  bool summed_twice = false;  // see FileTotals
};

// The rows in [start, end) (both row starts outside quotes) summed over
// parallel.threads byte ranges, in one pass unless a split point was
// inside quotes. `layout` is the file's (read_layout); a range starting
// at byte 0 reads the header itself.
SplitTotals sum_split(orchestra::blobs::BlobStore& blobs, const std::string& name,
                      const SumOptions& options, const Layout& layout, std::uint64_t start,
                      std::uint64_t end, const ParallelOptions& parallel,
                      const std::function<void(std::uint64_t, std::uint64_t)>& progress);

// `progress(bytes_read, rows_so_far)` is called from worker threads,
// often; throttle in the callee. Problems' row numbers are global.
FileTotals sum_file(orchestra::blobs::BlobStore& blobs, const std::string& name,
                    const SumOptions& options, const ParallelOptions& parallel,
                    const std::function<void(std::uint64_t, std::uint64_t)>& progress);

}  // namespace csv_summer
