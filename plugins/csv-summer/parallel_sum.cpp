#include "parallel_sum.hpp"

#include <emmintrin.h>

#include <algorithm>
#include <exception>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

namespace csv_summer {
namespace {

using orchestra::blobs::BlobStore;

// Each byte lane counts its quotes (a match is -1, subtracted) for up to
// 255 blocks of 16 bytes, then the lanes are summed with one SAD: no
// popcount, which the baseline x86-64 build would call from libgcc.
std::uint64_t count_quotes(const char* p, std::size_t size) {
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i zero = _mm_setzero_si128();
  std::uint64_t count = 0;
  std::size_t i = 0;
  while (i + 16 <= size) {
    auto blocks = std::min<std::size_t>((size - i) / 16, 255);
    __m128i lanes = zero;
    for (std::size_t b = 0; b < blocks; ++b, i += 16) {
      __m128i chunk = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
      lanes = _mm_sub_epi8(lanes, _mm_cmpeq_epi8(chunk, quote));
    }
    __m128i sums = _mm_sad_epu8(lanes, zero);
    count += static_cast<std::uint64_t>(_mm_cvtsi128_si32(sums) + _mm_extract_epi16(sums, 4));
  }
  for (; i < size; ++i) count += p[i] == '"';
  return count;
}

// Calls `each(piece)` for the bytes [begin, end) of the blob, in order,
// until it returns false.
template <typename Each>
void read_range(BlobStore& blobs, const std::string& name, std::uint64_t begin, std::uint64_t end,
                std::vector<char>& buffer, Each&& each) {
  auto reader = blobs.open(name, begin);
  for (auto at = begin; at < end;) {
    auto wanted = static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size(), end - at));
    auto count = reader->read(buffer.data(), wanted);
    if (count == 0) break;
    at += count;
    if (!each(std::string_view(buffer.data(), count))) break;
  }
}

// Runs `work(i)` for i in [0, n): 0 on the calling thread, the others on
// threads of their own (a new thread allocates from a malloc arena of its
// own, so spawning one for nothing raises the memory peak); rethrows the
// first failure.
void in_parallel(std::size_t n, const std::function<void(std::size_t)>& work) {
  std::exception_ptr failure;
  std::mutex mutex;
  auto run = [&](std::size_t i) {
    try {
      work(i);
    } catch (...) {
      std::lock_guard lock(mutex);
      if (!failure) failure = std::current_exception();
    }
  };
  std::vector<std::thread> threads;
  std::size_t started = 1;
  try {
    for (; started < n; ++started) threads.emplace_back(run, started);
  } catch (const std::system_error&) {
    // No thread to be had: the rest runs here, one after the other.
    for (auto i = started; i < n; ++i) run(i);
  }
  if (n > 0) run(0);
  for (auto& thread : threads) thread.join();
  if (failure) std::rethrow_exception(failure);
}

FileTotals sum_sequentially(BlobStore& blobs, const std::string& name, const SumOptions& options,
                            const ParallelOptions& parallel,
                            const std::function<void(std::uint64_t, std::uint64_t)>& progress) {
  CsvSummer summer(options);
  std::vector<char> buffer(parallel.buffer_bytes);
  FileTotals out;
  read_range(blobs, name, 0, UINT64_MAX, buffer, [&](std::string_view piece) {
    summer.feed(piece);
    out.bytes += piece.size();
    progress(out.bytes, summer.totals().rows);
    return !summer.totals().problem;
  });
  summer.finish();
  out.totals = summer.totals();
  return out;
}

}  // namespace

std::uint64_t count_quotes_in(BlobStore& blobs, const std::string& name, std::uint64_t begin,
                              std::uint64_t end) {
  std::vector<char> buffer(1 << 20);
  std::uint64_t quotes = 0;
  read_range(blobs, name, begin, end, buffer, [&](std::string_view piece) {
    quotes += count_quotes(piece.data(), piece.size());
    return true;
  });
  return quotes;
}

std::optional<Layout> read_layout(BlobStore& blobs, const std::string& name,
                                  const SumOptions& options) {
  std::vector<char> buffer(64 << 10);
  CsvSummer probe(options);
  read_range(blobs, name, 0, UINT64_MAX, buffer, [&](std::string_view piece) {
    probe.feed(piece);
    return !probe.layout() && !probe.totals().problem;
  });
  return probe.layout();
}

RowStart first_newline_after(BlobStore& blobs, const std::string& name, std::uint64_t begin,
                             std::uint64_t size) {
  std::vector<char> buffer(64 << 10);
  auto at = begin;
  RowStart found{size, 0};
  read_range(blobs, name, begin, size, buffer, [&](std::string_view piece) {
    for (char c : piece) {
      ++at;
      if (c == '"') ++found.quotes;
      if (c == '\n') {
        found.at = at;
        return false;
      }
    }
    return true;
  });
  return found;
}

std::uint64_t row_start_after(BlobStore& blobs, const std::string& name, std::uint64_t begin,
                              bool in_quotes, std::uint64_t size) {
  std::vector<char> buffer(64 << 10);
  auto at = begin;
  std::uint64_t start = size;
  read_range(blobs, name, begin, size, buffer, [&](std::string_view piece) {
    for (char c : piece) {
      ++at;
      if (c == '"') in_quotes = !in_quotes;
      if (c == '\n' && !in_quotes) {
        start = at;
        return false;
      }
    }
    return true;
  });
  return start;
}

Totals sum_range(BlobStore& blobs, const std::string& name, const SumOptions& options,
                 const Layout* layout, std::uint64_t start, std::uint64_t end,
                 std::size_t buffer_bytes,
                 const std::function<bool(std::string_view, std::uint64_t)>& on_piece) {
  auto summer = layout == nullptr ? CsvSummer(options) : CsvSummer(options, *layout);
  std::vector<char> buffer(buffer_bytes);
  std::uint64_t rows = 0;
  read_range(blobs, name, start, end, buffer, [&](std::string_view piece) {
    summer.feed(piece);
    auto now = summer.totals().rows;
    bool go_on = on_piece(piece, now - rows);
    rows = now;
    return go_on && !summer.totals().problem;
  });
  summer.finish();
  return summer.totals();
}

void merge_into(Totals& whole, const Totals& part) {
  if (whole.problem) return;
  for (std::size_t c = 0; c < whole.columns.size() && c < part.columns.size(); ++c) {
    whole.columns[c].sum.merge(part.columns[c].sum);
  }
  if (part.problem) {
    whole.problem = part.problem;
    whole.problem->row += whole.rows;
  }
  whole.rows += part.rows;
  whole.empty_cells += part.empty_cells;
  whole.skipped_cells += part.skipped_cells;
  whole.skipped_rows += part.skipped_rows;
  whole.text_quotes += part.text_quotes;
}

namespace {

// The ranges' sums, in file order, and the quotes each range held.
struct RangeSums {
  std::vector<Totals> parts;
  std::vector<std::uint64_t> quotes;
};

RangeSums sum_ranges(BlobStore& blobs, const std::string& name, const SumOptions& options,
                     const Layout& layout, const std::vector<std::uint64_t>& starts,
                     const ParallelOptions& parallel,
                     const std::function<void(std::uint64_t, std::uint64_t)>& progress) {
  auto ranges = starts.size() - 1;
  RangeSums sums{std::vector<Totals>(ranges), std::vector<std::uint64_t>(ranges)};
  std::atomic<std::uint64_t> done{0}, rows{0};
  in_parallel(ranges, [&](std::size_t i) {
    // Only a range at the start of the file reads the header.
    const Layout* fixed = i == 0 && starts[0] == 0 ? nullptr : &layout;
    sums.parts[i] = sum_range(blobs, name, options, fixed, starts[i], starts[i + 1],
                              parallel.buffer_bytes,
                              [&](std::string_view piece, std::uint64_t new_rows) {
                                // Cheap here: the piece was just read.
                                sums.quotes[i] += count_quotes(piece.data(), piece.size());
                                progress(done += piece.size(), rows += new_rows);
                                return true;
                              });
  });
  return sums;
}

// Each range's first row taken to start after the first newline past its
// split point, which holds unless that newline is inside a quoted field.
// That guess implies the quote state at the split point (odd quotes
// before the newline: the split was inside quotes); the parities, known
// once every range has counted its quotes, confirm it or not.
std::optional<RangeSums> sum_speculatively(
    BlobStore& blobs, const std::string& name, const SumOptions& options, const Layout& layout,
    const std::vector<std::uint64_t>& begins, const ParallelOptions& parallel,
    const std::function<void(std::uint64_t, std::uint64_t)>& progress) {
  auto ranges = begins.size() - 1;
  auto end = begins.back();
  std::vector<RowStart> found(ranges, RowStart{begins[0], 0});
  in_parallel(ranges - 1, [&](std::size_t k) {
    found[k + 1] = first_newline_after(blobs, name, begins[k + 1], end);
  });
  std::vector<std::uint64_t> starts(ranges + 1, end);
  for (std::size_t i = 0; i < ranges; ++i) {
    starts[i] = found[i].at;
    if (i > 0 && starts[i] < starts[i - 1]) return std::nullopt;
  }
  auto sums = sum_ranges(blobs, name, options, layout, starts, parallel, progress);
  std::uint64_t quotes_before_start = 0;
  for (std::size_t i = 1; i < ranges; ++i) {
    quotes_before_start += sums.quotes[i - 1];
    // Quotes in [begins[0], begins[i]): odd when begins[i] is inside quotes.
    auto inside = (quotes_before_start - found[i].quotes) % 2 == 1;
    if (inside != (found[i].quotes % 2 == 1)) return std::nullopt;
  }
  return sums;
}

// Exactly: quotes counted per range first, so every split point's quote
// state is known before any row is summed.
RangeSums sum_exactly(BlobStore& blobs, const std::string& name, const SumOptions& options,
                      const Layout& layout, const std::vector<std::uint64_t>& begins,
                      const ParallelOptions& parallel,
                      const std::function<void(std::uint64_t, std::uint64_t)>& progress) {
  auto ranges = begins.size() - 1;
  auto end = begins.back();
  std::vector<std::uint64_t> quotes(ranges);
  in_parallel(ranges, [&](std::size_t i) {
    quotes[i] = count_quotes_in(blobs, name, begins[i], begins[i + 1]);
  });
  std::vector<std::uint64_t> starts(ranges + 1, end);
  starts[0] = begins[0];
  in_parallel(ranges - 1, [&](std::size_t k) {
    auto i = k + 1;
    std::uint64_t before = 0;
    for (std::size_t j = 0; j < i; ++j) before += quotes[j];
    starts[i] = row_start_after(blobs, name, begins[i], before % 2 == 1, end);
  });
  for (std::size_t i = 1; i < ranges; ++i) starts[i] = std::max(starts[i], starts[i - 1]);
  return sum_ranges(blobs, name, options, layout, starts, parallel, progress);
}

}  // namespace

SplitTotals sum_split(BlobStore& blobs, const std::string& name, const SumOptions& options,
                      const Layout& layout, std::uint64_t start, std::uint64_t end,
                      const ParallelOptions& parallel,
                      const std::function<void(std::uint64_t, std::uint64_t)>& progress) {
  auto threads = static_cast<std::size_t>(std::max(1, parallel.threads));
  if (end - start < parallel.parallel_above) threads = 1;
  std::vector<std::uint64_t> begins(threads + 1);
  for (std::size_t i = 0; i <= threads; ++i) begins[i] = start + (end - start) * i / threads;
  SplitTotals out;
  auto sums = sum_speculatively(blobs, name, options, layout, begins, parallel, progress);
  if (!sums) {
    out.summed_twice = true;
    sums = sum_exactly(blobs, name, options, layout, begins, parallel, progress);
  }
  out.totals = sums->parts[0];
  for (std::size_t i = 1; i < sums->parts.size(); ++i) merge_into(out.totals, sums->parts[i]);
  for (auto quotes : sums->quotes) out.quotes += quotes;
  return out;
}

FileTotals sum_file(BlobStore& blobs, const std::string& name, const SumOptions& options,
                    const ParallelOptions& parallel,
                    const std::function<void(std::uint64_t, std::uint64_t)>& progress) {
  auto size = blobs.stat(name).size;
  if (parallel.threads <= 1 || size < parallel.parallel_above) {
    return sum_sequentially(blobs, name, options, parallel, progress);
  }
  auto layout = read_layout(blobs, name, options);
  if (!layout) return sum_sequentially(blobs, name, options, parallel, progress);
  auto split = sum_split(blobs, name, options, *layout, 0, size, parallel, progress);
  if (split.totals.text_quotes > 0) {
    // Quote parity cannot place split points here: one sequential pass.
    auto whole = sum_sequentially(blobs, name, options, parallel, progress);
    whole.summed_twice = true;
    return whole;
  }
  return {std::move(split.totals), size, split.summed_twice};
}

}  // namespace csv_summer
