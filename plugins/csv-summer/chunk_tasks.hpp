#pragma once
// One large file summed by several workers: a flow of the core task
// system. N chunk tasks each take the rows from the first newline past
// their split point to the first newline past the next one and sum them
// (over threads_per_task ranges), counting the quotes they pass; one
// reduce task (after every chunk) checks with those quotes that no split
// point's first newline was inside quotes, merges the sums in file order
// and turns a chunk's problem into the task's failure with the file-wide
// row number. When a check fails (a quoted newline right after a split
// point), the reduce task sums the file again itself, exactly.

#include "parallel_sum.hpp"
#include "sum_task.hpp"

#include <orchestra/blobs.hpp>
#include <orchestra/tasks.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace csv_summer {

inline constexpr const char* kChunkType = "csv-summer.chunk";
inline constexpr const char* kReduceType = "csv-summer.reduce";

// The whole flow, the reduce task last (its id is the one to report).
std::vector<orchestra::tasks::NewTask> chunk_flow(const SumRequest& request, std::uint64_t size,
                                                  std::uint64_t chunk_bytes,
                                                  const std::string& owner);

std::string run_chunk(orchestra::blobs::BlobStore& blobs, orchestra::tasks::TaskContext& context,
                      const ParallelOptions& parallel);
std::string run_reduce(orchestra::blobs::BlobStore& blobs, orchestra::tasks::TaskContext& context,
                       const ParallelOptions& parallel);

}  // namespace csv_summer
