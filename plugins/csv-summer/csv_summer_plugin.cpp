// The csv-summer plugin: sums every n-th column of CSV files from the blob
// store; one task per file.

#include "chunk_tasks.hpp"
#include "sum_task.hpp"

#include <orchestra/json.hpp>
#include <orchestra/json_writer.hpp>
#include <orchestra/plugin.hpp>
#include <orchestra/schema.hpp>


#include <thread>

namespace csv_summer {
namespace {

using orchestra::http::Access;
using orchestra::http::Execution;
using orchestra::http::HttpError;
using orchestra::http::Method;
using orchestra::http::Request;
using orchestra::http::Response;

SumRequest read_request(const Request& request) {
  auto document = orchestra::json::parse_object(request.body);
  orchestra::json::ObjectReader body(document);
  body.only({"file", "delimiter", "header", "every", "on_invalid"});
  SumRequest sum;
  sum.file = body.require<std::string>("file");
  auto delimiter = body.optional<std::string>("delimiter").value_or(",");
  if (delimiter.size() != 1 || delimiter == "\"" || delimiter == "\n" || delimiter == "\r") {
    throw HttpError(400, "'delimiter' must be one character other than a quote or a newline");
  }
  sum.options.delimiter = delimiter[0];
  sum.options.header = body.optional<bool>("header").value_or(true);
  auto every = body.optional<std::int64_t>("every").value_or(10);
  if (every < 1 || every > 100'000) throw HttpError(400, "'every' must be from 1 to 100000");
  sum.options.every = static_cast<int>(every);
  auto on_invalid = body.optional<std::string>("on_invalid").value_or("fail");
  if (on_invalid != "fail" && on_invalid != "skip") {
    throw HttpError(400, "'on_invalid' must be \"fail\" or \"skip\"");
  }
  sum.options.skip_invalid = on_invalid == "skip";
  return sum;
}

void write_task(orchestra::json::Writer& out, const orchestra::tasks::TaskStatus& status) {
  out.object()
      .field("task_id", status.id)
      .field("file", request_of(status.payload).file)
      .field("state", status.state)
      .key("progress")
      .object()
      .field("fraction", status.progress)
      .field("message", status.progress_message)
      .end_object()
      .field("attempts", status.attempts);
  if (status.result) {
    out.raw_field("result", *status.result);
  } else {
    out.null_field("result");
  }
  out.field("error", status.error)
      .time("created_at", status.created_at)
      .time("started_at", status.started_at)
      .time("finished_at", status.finished_at)
      .end_object();
}

class CsvSummerPlugin final : public orchestra::Plugin {
 public:
  void setup(orchestra::Host& host) override {
    host_ = &host;
    auto scope = host.config().get<std::string>("scope", "csv");
    orchestra::tasks::TaskOptions options;
    options.priority = orchestra::tasks::kUserPriority;
    options.max_attempts = 5;
    options.lease = host.config().get("task_lease", std::chrono::milliseconds(30'000));
    parallel_.threads = static_cast<int>(host.config().get_int(
        "threads_per_task", std::max(1u, std::thread::hardware_concurrency()), 1, 256));
    // Chunk tasks run side by side, one per handler thread: each takes its
    // share of the cores (two threads at most on a fully busy worker), not
    // threads_per_task each (cores x cores threads).
    chunk_parallel_ = parallel_;
    auto cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    chunk_parallel_.threads =
        std::max(1, std::min(parallel_.threads, 2 * cores / std::max(1, host.worker().slots)));
    chunk_bytes_ = static_cast<std::uint64_t>(
        host.config().get_int("chunk_bytes", 256LL << 20, 0, 1LL << 40));
    host.tasks().define(
        kSumType,
        [this](orchestra::tasks::TaskContext& context) {
          return run_sum(host_->blobs(), context, parallel_);
        },
        options);
    host.tasks().define(
        kChunkType,
        [this](orchestra::tasks::TaskContext& context) {
          return run_chunk(host_->blobs(), context, chunk_parallel_);
        },
        options);
    host.tasks().define(
        kReduceType,
        [this](orchestra::tasks::TaskContext& context) {
          return run_reduce(host_->blobs(), context, parallel_);
        },
        options);
    auto access = Access::scope(scope);
    auto& routes = host.http();
    using namespace orchestra::schema;
    auto task = record(
        {{"task_id", kString}, {"file", kString},
         {"state", R"({"enum":["scheduled","queued","running","retrying","succeeded","dead","cancelled"]})"},
         {"progress", record({{"fraction", R"({"type":"number"})"}, {"message", kString}})},
         {"attempts", kInteger},
         {"result", R"({"oneOf":[{"type":"null"},{"type":"object","required":["columns","rows"]}]})"},
         {"error", kOptionalString}, {"created_at", kTimestamp},
         {"started_at", kOptionalTimestamp}, {"finished_at", kOptionalTimestamp}});
    routes.add(Method::post, "/tasks", [this](const Request& r) { return submit(r); },
               {"Sum every n-th column of a CSV: {file, delimiter, header, every, on_invalid}",
                Execution::blocking, access,
                body({{"file", R"({"type":"string","minLength":1})"},
                      {"delimiter", R"({"type":"string","minLength":1,"maxLength":1})"},
                      {"header", kBoolean}, {"every", R"({"type":"integer","minimum":1})"},
                      {"on_invalid", R"({"enum":["fail","skip"]})"}},
                     {"file"}),
                {{202, record({{"task_id", kString}})}}});
    routes.add(Method::get, "/tasks", [this](const Request& r) { return list(r); },
               {"Your sum tasks, newest first; limit, cursor", Execution::blocking, access, {},
                {{200, list_of(task)}},
                {{"limit", limit_schema(100), "page size (default 20)"},
                 {"cursor", kString, "next_cursor of the previous page"}}});
    routes.add(Method::get, "/tasks/in-progress",
               [this](const Request&) { return in_progress(); },
               {"Sum tasks queued and running, across all workers", Execution::blocking, access,
                {}, {{200, record({{"queued", kInteger}, {"running", kInteger}})}}});
    routes.add(Method::get, "/tasks/{id}", [this](const Request& r) { return get(r); },
               {"A sum task: state, progress, result", Execution::blocking, access, {},
                {{200, task}}});
  }

 private:
  Response submit(const Request& request) {
    auto sum = read_request(request);
    orchestra::blobs::BlobInfo info;
    try {
      info = host_->blobs().stat(sum.file);
    } catch (const orchestra::blobs::BlobError& error) {
      using Kind = orchestra::blobs::BlobError::Kind;
      if (error.kind() == Kind::invalid) throw HttpError(400, error.what());
      if (error.kind() == Kind::not_found) throw HttpError(404, error.what());
      throw HttpError(503, error.what());
    }
    std::string id;
    if (chunk_bytes_ > 0 && info.size > chunk_bytes_) {
      // Large: a flow of chunk tasks that any worker may take.
      id = host_->tasks()
               .enqueue_many(chunk_flow(sum, info.size, chunk_bytes_, request.caller().subject))
               .back();
    } else {
      orchestra::tasks::NewTask task;
      task.type = kSumType;
      task.payload = payload_of(sum);
      task.owner = request.caller().subject;
      id = host_->tasks().enqueue(std::move(task));
    }
    orchestra::json::Writer out;
    out.object().field("task_id", id).end_object();
    auto response = Response::json(202, out.str());
    response.headers.emplace_back("Location", "/api/v1/csv-summer/tasks/" + id);
    return response;
  }

  Response in_progress() {
    // A chunked file counts once, as its reduce task.
    auto sums = host_->tasks().counts(kSumType);
    auto reduces = host_->tasks().counts(kReduceType);
    auto count = [&](const char* state) {
      auto in = [&](const std::map<std::string, std::int64_t>& counts) {
        auto it = counts.find(state);
        return it == counts.end() ? std::int64_t{0} : it->second;
      };
      return in(sums) + in(reduces);
    };
    orchestra::json::Writer out;
    out.object()
        .field("queued", count("queued") + count("scheduled") + count("retrying"))
        .field("running", count("running"))
        .end_object();
    return Response::json(200, out.str());
  }

  // A chunked file shows as its reduce task, the one its submit answered.
  Response list(const Request& request) {
    orchestra::tasks::TaskQuery query;
    query.types = {kSumType, kReduceType};
    query.owner = request.caller().subject;
    query.limit = static_cast<int>(request.query_int("limit", 20, 1, 100));
    query.cursor = request.query_param("cursor");
    auto page = host_->tasks().list(query);
    orchestra::json::Writer out;
    out.list(page.items, page.next_cursor, write_task);
    return Response::json(200, out.str());
  }

  Response get(const Request& request) {
    const auto& id = request.path_param("id");
    auto status = host_->tasks().status(id);
    const auto& caller = request.caller();
    if (!status || (status->type != kSumType && status->type != kReduceType) ||
        (status->owner != caller.subject && !caller.has_scope("admin"))) {
      throw HttpError(404, "no csv-summer task " + id);
    }
    orchestra::json::Writer out;
    write_task(out, *status);
    return Response::json(200, out.str());
  }

  orchestra::Host* host_ = nullptr;
  ParallelOptions parallel_;
  ParallelOptions chunk_parallel_;
  std::uint64_t chunk_bytes_ = 0;
};

}  // namespace
}  // namespace csv_summer

ORCHESTRA_PLUGIN(csv_summer::CsvSummerPlugin, "csv-summer", "1.0.0",
                 "Sums every n-th column of large CSV files from local disk")
