// The search-indexer plugin: follows the change feed of the other plugins'
// documents through extract → transform → load into a full-text index in
// the database, and serves search over it.

#include "fts5_index.hpp"
#include "mapping.hpp"
#include "pipeline.hpp"
#include "postgres_index.hpp"
#include "search_routes.hpp"
#include "stage_metrics.hpp"

#include <orchestra/plugin.hpp>

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <sodium.h>

namespace search_indexer {
namespace {

using orchestra::tasks::PermanentError;
using orchestra::tasks::TaskContext;

constexpr const char* kTickType = "search-indexer.tick";

std::string source_of(const TaskContext& context) {
  rapidjson::Document payload;
  payload.Parse(context.payload().c_str());
  if (!payload.IsObject() || !payload.HasMember("source") || !payload["source"].IsString() ||
      !is_known_source(payload["source"].GetString())) {
    throw PermanentError("the payload needs a known source");
  }
  return payload["source"].GetString();
}

std::string result_json(const StageResult& result) {
  return fmt::format(R"({{"done":{},"dead":{}}})", result.done, result.dead);
}

class SearchIndexerPlugin final : public orchestra::Plugin {
 public:
  void setup(orchestra::Host& host) override {
    host_ = &host;
    batch_size_ = static_cast<int>(host.config().get_int("batch_size", 500, 1, 10'000));
    orchestra::tasks::TaskOptions stage;
    stage.max_attempts = 1'000'000;  // an unavailable index is waited out, not given up on
    stage.backoff.max = std::chrono::seconds(30);
    stage.lease = host.config().get("task_lease", std::chrono::milliseconds(30'000));
    host.tasks().define(kExtractType, [this](TaskContext& context) {
      auto source = source_of(context);
      return result_json(
          metrics_.record("extract", source, [&] { return parts_.pipeline->extract(source); }));
    }, stage);
    host.tasks().define(kTransformType, [this](TaskContext& context) {
      auto source = source_of(context);
      return result_json(metrics_.record("transform", source,
                                         [&] { return parts_.pipeline->transform(source); }));
    }, stage);
    host.tasks().define(kLoadType, [this](TaskContext& context) {
      auto source = source_of(context);
      return result_json(
          metrics_.record("load", source, [&] { return parts_.pipeline->load(source); }));
    }, stage);
    host.tasks().define(kReindexType, [this](TaskContext& context) {
      auto source = source_of(context);
      return result_json(
          metrics_.record("reindex", source, [&] { return parts_.pipeline->rebuild(source); }));
    }, stage);
    host.tasks().define(kTickType, [this](TaskContext&) {
      for (const auto& source : known_sources()) {
        for (const char* type : {kExtractType, kTransformType, kLoadType}) {
          parts_.pipeline->queue(type, source);
        }
      }
      for (const auto& source : parts_.reindex->building()) {
        parts_.pipeline->queue(kReindexType, source);
      }
      return std::string("{}");
    });
    host.schedules().every("tick", std::chrono::seconds(1), kTickType);
    routes_ = std::make_unique<SearchRoutes>(parts_);
    routes_->add(host.http());
    collector_ = host.metrics().collect([this](std::string& out) { metrics_.render(out); });
  }

  void start() override {
    if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
    parts_.feed = &host_->changes();
    parts_.store = std::make_unique<PipelineStore>(host_->db());
    parts_.reindex = std::make_unique<ReindexStore>(host_->db());
    if (host_->db().dialect() == orchestra::db::Dialect::postgres) {
      parts_.index = std::make_unique<PostgresIndex>(host_->db());
    } else {
      parts_.index = std::make_unique<Fts5Index>(host_->db());
    }
    parts_.pipeline = std::make_unique<Pipeline>(host_->db(), host_->changes(), host_->tasks(),
                                                 *parts_.store, *parts_.reindex, *parts_.index,
                                                 batch_size_);
  }

 private:
  orchestra::Host* host_ = nullptr;
  int batch_size_ = 500;
  Parts parts_;
  std::unique_ptr<SearchRoutes> routes_;
  StageMetrics metrics_;
  orchestra::metrics::CollectorHandle collector_;  // after metrics_: removed first
};

}  // namespace
}  // namespace search_indexer

ORCHESTRA_PLUGIN(search_indexer::SearchIndexerPlugin, "search-indexer", "0.1.0",
                 "Indexes the other plugins' documents for full-text search")
