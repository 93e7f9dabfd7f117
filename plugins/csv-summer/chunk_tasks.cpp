#include "chunk_tasks.hpp"

#include <orchestra/json.hpp>

#include <fmt/format.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <chrono>
#include <map>

namespace csv_summer {
namespace {

using orchestra::json::quote;
using orchestra::tasks::PermanentError;
using orchestra::tasks::TaskContext;

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

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

// A chunk's totals as JSON, sums as exact decimal text.
std::string totals_json(std::uint64_t index, const Totals& totals) {
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
      R"("columns":{},"problem":{}}})",
      index, totals.rows, totals.empty_cells, totals.skipped_cells, totals.skipped_rows, columns,
      problem);
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
    flow.push_back(task(kParityType, fmt::format(R"({},"chunk":{},"chunks":{},"size":{}}})", base,
                                                 i, chunks, size)));
  }
  for (std::uint64_t i = 0; i < chunks; ++i) {
    auto chunk = task(kChunkType, fmt::format(R"({},"chunk":{},"chunks":{},"size":{}}})", base, i,
                                              chunks, size));
    for (std::uint64_t j = 0; j < chunks; ++j) chunk.depends_on.push_back("@" + std::to_string(j));
    flow.push_back(std::move(chunk));
  }
  auto reduce = task(kReduceType, fmt::format(R"({},"chunks":{},"size":{},"submitted_at":{}}})",
                                              base, chunks, size, now_ms()));
  for (std::uint64_t j = 0; j < chunks; ++j) {
    reduce.depends_on.push_back("@" + std::to_string(chunks + j));
  }
  flow.push_back(std::move(reduce));
  return flow;
}

std::string run_parity(orchestra::blobs::BlobStore& blobs, TaskContext& context) {
  auto payload = parse(context.payload());
  auto index = payload["chunk"].GetUint64();
  auto chunks = payload["chunks"].GetUint64();
  auto size = payload["size"].GetUint64();
  auto quotes = count_quotes_in(blobs, payload["file"].GetString(), begin_of(index, chunks, size),
                                begin_of(index + 1, chunks, size));
  return fmt::format(R"({{"chunk":{},"quotes":{}}})", index, quotes);
}

std::string run_chunk(orchestra::blobs::BlobStore& blobs, TaskContext& context) {
  auto payload = parse(context.payload());
  auto request = request_of(context.payload());
  auto index = payload["chunk"].GetUint64();
  auto chunks = payload["chunks"].GetUint64();
  auto size = payload["size"].GetUint64();
  std::map<std::uint64_t, std::uint64_t> quotes;
  for (const auto& [id, text] : context.dependency_results()) {
    auto result = parse(text);
    quotes[result["chunk"].GetUint64()] = result["quotes"].GetUint64();
  }
  auto quotes_before = [&](std::uint64_t chunk) {
    std::uint64_t total = 0;
    for (std::uint64_t j = 0; j < chunk; ++j) total += quotes.at(j);
    return total;
  };
  auto start_of = [&](std::uint64_t chunk) -> std::uint64_t {
    if (chunk == 0) return 0;
    if (chunk >= chunks) return size;
    return row_start_after(blobs, request.file, begin_of(chunk, chunks, size),
                           quotes_before(chunk) % 2 == 1, size);
  };
  auto start = start_of(index);
  auto end = std::max(start, start_of(index + 1));
  std::optional<Layout> layout;
  if (index > 0) {
    layout = read_layout(blobs, request.file, request.options);
    if (!layout) return totals_json(index, Totals{});
  }
  auto totals = sum_range(blobs, request.file, request.options, layout ? &*layout : nullptr, start,
                          end, 1 << 20, [&](std::string_view, std::uint64_t) { return !context.cancelled(); });
  if (context.cancelled()) throw std::runtime_error("interrupted");
  return totals_json(index, totals);
}

std::string run_reduce(TaskContext& context) {
  auto payload = parse(context.payload());
  auto request = request_of(context.payload());
  std::map<std::uint64_t, Totals> parts;
  for (const auto& [id, text] : context.dependency_results()) {
    auto chunk = parse(text);
    parts[chunk["chunk"].GetUint64()] = totals_of(chunk);
  }
  if (parts.empty()) throw PermanentError("no chunk results");
  Totals whole = parts.begin()->second;
  for (auto it = std::next(parts.begin()); it != parts.end(); ++it) merge_into(whole, it->second);
  if (whole.problem) throw problem_error(request.file, *whole.problem);
  return result_json(whole, payload["size"].GetUint64(),
                     now_ms() - payload["submitted_at"].GetInt64());
}

}  // namespace csv_summer
