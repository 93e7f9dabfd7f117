#include "chunk_tasks.hpp"

#include <orchestra/clock.hpp>
#include <orchestra/json.hpp>

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <spdlog/logger.h>

#include <algorithm>
#include <chrono>
#include <map>

namespace csv_summer {
namespace {

using orchestra::json::quote;
using orchestra::tasks::PermanentError;
using orchestra::tasks::TaskContext;

rapidjson::Document parse(const std::string& text) {
  rapidjson::Document document;
  document.Parse(text.c_str(), text.size());
  if (document.HasParseError() || !document.IsObject()) {
    throw PermanentError("malformed csv-summer payload or result");
  }
  return document;
}

std::uint64_t begin_of(std::uint64_t index, std::uint64_t chunks, std::uint64_t size) {
  return static_cast<std::uint64_t>(static_cast<UInt128>(size) * index / chunks);
}

// Where a chunk's rows lie, and the quotes that tell whether that guess
// held (see run_reduce).
struct ChunkBounds {
  std::uint64_t start = 0;
  std::uint64_t end = 0;
  std::uint64_t quotes_before_start = 0;  // in [the chunk's split point, start)
  std::uint64_t quotes = 0;               // in [start, end)
  // Summed with the file's layout and with no quote kept as text; else
  // the guess cannot be checked and run_reduce sums the file itself.
  bool checkable = true;
};

// A chunk's totals as JSON, sums as exact decimal text.
std::string totals_json(std::uint64_t index, const Totals& totals, const ChunkBounds& bounds) {
  std::string columns = "[";
  for (const auto& column : totals.columns) {
    if (columns.size() > 1) columns += ',';
    columns += fmt::format(R"({{"index":{},"name":{},"sum":{}}})", column.index, quote(column.name),
                           quote(column.sum.to_json()));
  }
  columns += "]";
  std::string problem = "null";
  if (totals.problem) {
    problem = fmt::format(R"({{"row":{},"column":{},"cell":{},"message":{}}})", totals.problem->row,
                          totals.problem->column, quote(totals.problem->cell),
                          quote(totals.problem->message));
  }
  return fmt::format(
      R"({{"chunk":{},"rows":{},"empty_cells":{},"skipped_cells":{},"skipped_rows":{},)"
      R"("columns":{},"problem":{},"start":{},"end":{},"quotes_before_start":{},"quotes":{},)"
      R"("checkable":{}}})",
      index, totals.rows, totals.empty_cells, totals.skipped_cells, totals.skipped_rows, columns,
      problem, bounds.start, bounds.end, bounds.quotes_before_start, bounds.quotes,
      bounds.checkable && totals.text_quotes == 0);
}

// A result without the bounds (from an older version) is not checkable.
ChunkBounds bounds_of(const rapidjson::Document& chunk) {
  for (const char* field : {"start", "end", "quotes_before_start", "quotes"}) {
    if (!chunk.HasMember(field) || !chunk[field].IsUint64()) return {0, 0, 0, 0, false};
  }
  bool checkable = chunk.HasMember("checkable") && chunk["checkable"].IsBool() &&
                   chunk["checkable"].GetBool();
  return {chunk["start"].GetUint64(), chunk["end"].GetUint64(),
          chunk["quotes_before_start"].GetUint64(), chunk["quotes"].GetUint64(), checkable};
}

// Whether every chunk's guess held: chunks meet end to start, and the
// quotes before each split point have the parity its guess implied. (A
// problem that stopped a chunk early cuts its quote count short, so the
// checks after it may fail: the file is then summed again, and the same
// first problem is found. A problem at a chunk's very end may come from a
// wrong guess for the next chunk, so it is never trusted unchecked.)
bool chunks_hold(const std::map<std::uint64_t, ChunkBounds>& chunks) {
  std::uint64_t quotes = 0, expected_start = 0;
  for (const auto& [index, bounds] : chunks) {
    if (!bounds.checkable || bounds.start != expected_start) return false;
    if (index > 0) {
      auto inside = (quotes - bounds.quotes_before_start) % 2 == 1;
      if (inside != (bounds.quotes_before_start % 2 == 1)) return false;
    }
    quotes += bounds.quotes;
    expected_start = bounds.end;
  }
  return true;
}

Totals totals_of(const rapidjson::Document& chunk) {
  Totals totals;
  totals.rows = chunk["rows"].GetUint64();
  totals.empty_cells = chunk["empty_cells"].GetUint64();
  totals.skipped_cells = chunk["skipped_cells"].GetUint64();
  totals.skipped_rows = chunk["skipped_rows"].GetUint64();
  for (const auto& column : chunk["columns"].GetArray()) {
    ColumnTotal total{column["index"].GetUint64(), column["name"].GetString(), {}};
    if (!total.sum.add(column["sum"].GetString())) {
      throw PermanentError(fmt::format("column {} has no finite sum", total.index));
    }
    totals.columns.push_back(std::move(total));
  }
  if (chunk["problem"].IsObject()) {
    const auto& problem = chunk["problem"];
    totals.problem = Problem{problem["row"].GetUint64(), problem["column"].GetUint64(),
                             problem["cell"].GetString(), problem["message"].GetString()};
  }
  return totals;
}

}  // namespace

std::vector<orchestra::tasks::NewTask> chunk_flow(const SumRequest& request, std::uint64_t size,
                                                  std::uint64_t chunk_bytes,
                                                  const std::string& owner) {
  auto chunks = std::max<std::uint64_t>(1, (size + chunk_bytes - 1) / chunk_bytes);
  auto base = payload_of(request);
  base.pop_back();  // the closing brace: fields follow
  std::vector<orchestra::tasks::NewTask> flow;
  auto task = [&](const char* type, std::string payload) {
    orchestra::tasks::NewTask next;
    next.type = type;
    next.payload = std::move(payload);
    next.owner = owner;
    return next;
  };
  for (std::uint64_t i = 0; i < chunks; ++i) {
    flow.push_back(task(kChunkType, fmt::format(R"({},"chunk":{},"chunks":{},"size":{}}})", base,
                                                i, chunks, size)));
  }
  auto reduce = task(kReduceType, fmt::format(R"({},"chunks":{},"size":{},"submitted_at":{}}})",
                                              base, chunks, size, orchestra::unix_ms()));
  for (std::uint64_t j = 0; j < chunks; ++j) reduce.depends_on.push_back("@" + std::to_string(j));
  flow.push_back(std::move(reduce));
  return flow;
}

std::string run_chunk(orchestra::blobs::BlobStore& blobs, TaskContext& context,
                      const ParallelOptions& parallel) {
  auto payload = parse(context.payload());
  auto request = request_of(context.payload());
  auto index = payload["chunk"].GetUint64();
  auto chunks = payload["chunks"].GetUint64();
  auto size = payload["size"].GetUint64();
  // Rows are taken to start after the first newline past each split point;
  // run_reduce checks that guess against every chunk's quotes.
  auto row_start = [&](std::uint64_t chunk) -> RowStart {
    if (chunk == 0) return {0, 0};
    if (chunk >= chunks) return {size, 0};
    return first_newline_after(blobs, request.file, begin_of(chunk, chunks, size), size);
  };
  auto start = row_start(index);
  ChunkBounds bounds{start.at, std::max(start.at, row_start(index + 1).at), start.quotes, 0};
  auto layout = read_layout(blobs, request.file, request.options);
  if (!layout) {
    // No complete row outside quotes: only a sequential sum can tell why.
    bounds.checkable = false;
    return totals_json(index, Totals{}, bounds);
  }
  auto split = sum_split(blobs, request.file, request.options, *layout, bounds.start, bounds.end,
                         threads_for(parallel, request.file), [&](std::uint64_t, std::uint64_t) {
                           if (context.cancelled()) throw std::runtime_error("interrupted");
                         });
  bounds.quotes = split.quotes;
  return totals_json(index, split.totals, bounds);
}

std::string run_reduce(orchestra::blobs::BlobStore& blobs, TaskContext& context,
                       const ParallelOptions& parallel) {
  auto payload = parse(context.payload());
  auto request = request_of(context.payload());
  std::map<std::uint64_t, Totals> parts;
  std::map<std::uint64_t, ChunkBounds> bounds;
  for (const auto& [id, text] : context.dependency_results()) {
    auto chunk = parse(text);
    parts[chunk["chunk"].GetUint64()] = totals_of(chunk);
    bounds[chunk["chunk"].GetUint64()] = bounds_of(chunk);
  }
  if (parts.empty()) throw PermanentError("no chunk results");
  Totals whole;
  if (chunks_hold(bounds)) {
    whole = parts.begin()->second;
    for (auto it = std::next(parts.begin()); it != parts.end(); ++it) merge_into(whole, it->second);
  } else {
    // A quoted newline right after a split point (the chunks summed the
    // wrong rows), or a file whose quotes cannot place split points: this
    // task sums the file again itself.
    context.log().info("{}: a chunk began inside quotes; summing the file again", request.file);
    whole = sum_file(blobs, request.file, request.options, threads_for(parallel, request.file),
                     [&](std::uint64_t, std::uint64_t) {
                       if (context.cancelled()) throw std::runtime_error("interrupted");
                     })
                .totals;
  }
  if (whole.problem) throw problem_error(request.file, *whole.problem);
  return result_json(whole, payload["size"].GetUint64(),
                     orchestra::unix_ms() - payload["submitted_at"].GetInt64());
}

}  // namespace csv_summer
