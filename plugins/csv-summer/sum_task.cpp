#include "sum_task.hpp"

#include <orchestra/json.hpp>

#include <fmt/format.h>
#include <rapidjson/document.h>

#include <chrono>
#include <vector>

namespace csv_summer {
namespace {

using orchestra::json::quote;
using orchestra::tasks::PermanentError;
using Steady = std::chrono::steady_clock;

constexpr std::size_t kBufferBytes = 1 << 20;
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

std::string run_sum(orchestra::blobs::BlobStore& blobs, orchestra::tasks::TaskContext& context) {
  auto started = Steady::now();
  auto request = request_of(context.payload());
  std::unique_ptr<orchestra::blobs::BlobReader> reader;
  try {
    reader = blobs.open(request.file);
  } catch (const orchestra::blobs::BlobError& error) {
    if (error.kind() == orchestra::blobs::BlobError::Kind::unavailable) throw;
    throw PermanentError(error.what());
  }
  auto total = reader->size();
  CsvSummer summer(request.options);
  std::vector<char> buffer(kBufferBytes);
  std::uint64_t bytes = 0;
  auto reported = Steady::now();
  for (;;) {
    auto count = reader->read(buffer.data(), buffer.size());
    if (count == 0) break;
    summer.feed(std::string_view(buffer.data(), count));
    bytes += count;
    if (summer.totals().problem) break;
    if (Steady::now() - reported > kProgressEvery) {
      reported = Steady::now();
      if (context.cancelled()) throw std::runtime_error("interrupted");
      context.progress(total && *total > 0 ? static_cast<double>(bytes) / static_cast<double>(*total) : 0,
                       fmt::format("{} bytes, {} rows", bytes, summer.totals().rows));
    }
  }
  summer.finish();
  const auto& totals = summer.totals();
  if (totals.problem) {
    const auto& problem = *totals.problem;
    throw PermanentError(
        problem.column == 0
            ? fmt::format("{}: row {} {}", request.file, problem.row, problem.message)
            : fmt::format("{}: row {}, column {}: '{}' {}", request.file, problem.row,
                          problem.column, problem.cell, problem.message));
  }
  auto duration = std::chrono::duration_cast<std::chrono::milliseconds>(Steady::now() - started);
  return result_json(totals, bytes, duration.count());
}

}  // namespace csv_summer
