#pragma once
// The csv-summer task: streams one file from the blob store through a
// CsvSummer, reporting progress a few times a second, and returns the
// sums as JSON.

#include "csv_summer.hpp"
#include "parallel_sum.hpp"

#include <orchestra/blobs.hpp>
#include <orchestra/tasks.hpp>

#include <string>

namespace csv_summer {

inline constexpr const char* kSumType = "csv-summer.sum";

struct SumRequest {
  std::string file;
  SumOptions options;
};

// The task payload for `request`, and back.
std::string payload_of(const SumRequest& request);
SumRequest request_of(const std::string& payload);

// The handler; throws PermanentError for problems in the file, BlobError
// (retried) when the storage fails.
// The threads to sum `file` with: one for s3:// files, whose parallel
// readers would hold 8 MiB each and read a file twice over the network
// whenever a split point lands inside quotes.
ParallelOptions threads_for(const ParallelOptions& parallel, const std::string& file);

std::string run_sum(orchestra::blobs::BlobStore& blobs, orchestra::tasks::TaskContext& context,
                    const ParallelOptions& parallel);

// The task failure for a problem in `file`: "<file>: row R, column C: ..."
orchestra::tasks::PermanentError problem_error(const std::string& file, const Problem& problem);

// The result JSON of finished `totals`.
std::string result_json(const Totals& totals, std::uint64_t bytes, std::int64_t duration_ms);

}  // namespace csv_summer
