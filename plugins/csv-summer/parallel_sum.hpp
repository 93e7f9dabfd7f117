#pragma once
// Sums one file with several threads, each over a byte range. Where a
// range starts inside a quoted field is decided exactly: the quote state
// at any byte is the parity of the quotes before it, so a first pass
// counts quotes per range, then each range starts at its first row that
// begins after a newline outside quotes (quoted newlines at a split point
// stay inside their field), and ends where the next range's first row
// begins.

#include "csv_summer.hpp"

#include <orchestra/blobs.hpp>

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

namespace csv_summer {

struct ParallelOptions {
  int threads = 2;
  std::size_t buffer_bytes = 1 << 20;  // per thread
  std::uint64_t parallel_above = 8 << 20;  // smaller files are not worth the threads
};

struct FileTotals {
  Totals totals;
  std::uint64_t bytes = 0;
};

// `progress(bytes_read)` is called from worker threads, often; throttle in
// the callee. Problems' row numbers are global.
FileTotals sum_file(orchestra::blobs::BlobStore& blobs, const std::string& name,
                    const SumOptions& options, const ParallelOptions& parallel,
                    const std::function<void(std::uint64_t)>& progress);

}  // namespace csv_summer
