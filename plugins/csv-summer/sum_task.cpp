#include "sum_task.hpp"

#include <orchestra/json.hpp>

#include <fmt/format.h>
#include <rapidjson/document.h>

#include <chrono>
#include <mutex>
#include <vector>

namespace csv_summer {
namespace {

using orchestra::json::quote;
using orchestra::tasks::PermanentError;
using Steady = std::chrono::steady_clock;

constexpr auto kProgressEvery = std::chrono::milliseconds(250);

}  // namespace

std::string payload_of(const SumRequest& request) {
  return fmt::format(R"({{"file":{},"delimiter":{},"header":{},"every":{},"skip_invalid":{}}})",
                     quote(request.file), quote(std::string(1, request.options.delimiter)),
                     request.options.header, request.options.every, request.options.skip_invalid);
}

SumRequest request_of(const std::string& payload) {
  rapidjson::Document document;
  document.Parse(payload.c_str(), payload.size());
  if (document.HasParseError() || !document.IsObject()) {
    throw PermanentError("malformed csv-summer payload");
  }
  SumRequest request;
  request.file = document["file"].GetString();
  request.options.delimiter = document["delimiter"].GetString()[0];
  request.options.header = document["header"].GetBool();
  request.options.every = document["every"].GetInt();
  request.options.skip_invalid = document["skip_invalid"].GetBool();
  return request;
}

PermanentError problem_error(const std::string& file, const Problem& problem) {
  return PermanentError(
      problem.column == 0
          ? fmt::format("{}: row {} {}", file, problem.row, problem.message)
          : fmt::format("{}: row {}, column {}: '{}' {}", file, problem.row, problem.column,
                        problem.cell, problem.message));
}

std::string result_json(const Totals& totals, std::uint64_t bytes, std::int64_t duration_ms) {
  std::string columns = "[";
  for (const auto& column : totals.columns) {
    if (columns.size() > 1) columns += ',';
    columns += fmt::format(R"({{"index":{},"name":{},"sum":{}}})", column.index,
                           column.name.empty() ? "null" : quote(column.name),
                           column.sum.to_json());
  }
  columns += "]";
  return fmt::format(
      R"({{"columns":{},"rows":{},"bytes":{},"empty_cells":{},"skipped_cells":{},)"
      R"("skipped_rows":{},"duration_ms":{}}})",
      columns, totals.rows, bytes, totals.empty_cells, totals.skipped_cells, totals.skipped_rows,
      duration_ms);
}

ParallelOptions threads_for(const ParallelOptions& parallel, const std::string& file) {
  auto effective = parallel;
  if (file.starts_with("s3://")) effective.threads = 1;
  return effective;
}

std::string run_sum(orchestra::blobs::BlobStore& blobs, orchestra::tasks::TaskContext& context,
                    const ParallelOptions& parallel) {
  auto started = Steady::now();
  auto request = request_of(context.payload());
  std::uint64_t total = 0;
  try {
    total = blobs.stat(request.file).size;
  } catch (const orchestra::blobs::BlobError& error) {
    if (error.kind() == orchestra::blobs::BlobError::Kind::unavailable) throw;
    throw PermanentError(error.what());
  }
  std::mutex mutex;
  auto reported = Steady::now();
  auto progress = [&](std::uint64_t bytes, std::uint64_t rows) {
    std::unique_lock lock(mutex, std::try_to_lock);
    if (!lock.owns_lock() || Steady::now() - reported < kProgressEvery) return;
    reported = Steady::now();
    // Cancelled, or the worker is shutting down: stop reading (the task is
    // then cancelled, or requeued without counting the attempt).
    if (context.cancelled()) throw std::runtime_error("interrupted");
    context.progress(total > 0 ? static_cast<double>(bytes) / static_cast<double>(total) : 0,
                     fmt::format("{} of {} bytes, {} rows", bytes, total, rows));
  };
  auto file = sum_file(blobs, request.file, request.options, threads_for(parallel, request.file),
                       progress);
  const auto& totals = file.totals;
  if (totals.problem) throw problem_error(request.file, *totals.problem);
  auto duration = std::chrono::duration_cast<std::chrono::milliseconds>(Steady::now() - started);
  return result_json(totals, file.bytes, duration.count());
}

}  // namespace csv_summer
