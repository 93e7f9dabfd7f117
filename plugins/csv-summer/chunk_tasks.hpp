#pragma once
// One large file summed by several workers: a flow of the core task
// system with three steps. N parity tasks count the quotes of one byte
// range each; N chunk tasks (each after every parity task) derive their
// range's quote state, find where its first row starts and where the next
// range's does, and sum those rows; one reduce task (after every chunk)
// merges the sums in file order and turns a chunk's problem into the
// task's failure with the file-wide row number.

#include "parallel_sum.hpp"
#include "sum_task.hpp"

#include <orchestra/blobs.hpp>
#include <orchestra/tasks.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace csv_summer {

inline constexpr const char* kParityType = "csv-summer.parity";
inline constexpr const char* kChunkType = "csv-summer.chunk";
inline constexpr const char* kReduceType = "csv-summer.reduce";

// The whole flow, the reduce task last (its id is the one to report).
std::vector<orchestra::tasks::NewTask> chunk_flow(const SumRequest& request, std::uint64_t size,
                                                  std::uint64_t chunk_bytes,
                                                  const std::string& owner);

std::string run_parity(orchestra::blobs::BlobStore& blobs, orchestra::tasks::TaskContext& context);
std::string run_chunk(orchestra::blobs::BlobStore& blobs, orchestra::tasks::TaskContext& context);
std::string run_reduce(orchestra::tasks::TaskContext& context);

}  // namespace csv_summer
