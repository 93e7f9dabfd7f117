#include "pipeline.hpp"

#include "mapping.hpp"

#include <fmt/format.h>

#include <chrono>
#include <thread>

namespace search_indexer {
namespace {

// A stage run works at most this long, then hands over to the next run.
constexpr auto kRunBudget = std::chrono::seconds(5);
// Failed switches of one rebuild before it is given up.
constexpr int kSwitchAttempts = 5;

bool within(std::chrono::steady_clock::time_point started) {
  return std::chrono::steady_clock::now() - started < kRunBudget;
}

std::vector<IndexWrite> index_writes(const std::string& source,
                                     const std::vector<Staged>& changes) {
  std::vector<IndexWrite> writes;
  for (const auto& change : changes) {
    writes.push_back(IndexWrite{source, change.key,
                                change.payload ? std::optional(read_document_payload(
                                                     source, change.key, *change.payload))
                                               : std::nullopt});
  }
  return writes;
}

}  // namespace

void Pipeline::queue(const char* stage, const std::string& source) {
  orchestra::tasks::NewTask task;
  task.type = stage;
  task.payload = fmt::format(R"({{"source":"{}"}})", source);
  task.unique_key = fmt::format("{}:{}", stage, source);
  tasks_.enqueue(std::move(task));
}

void Pipeline::queue_pending(const std::string& source) {
  if (!feed_.read(source, store_.checkpoint(source), 1).empty()) queue(kExtractType, source);
  if (!store_.staged(source, "extracted", 1).empty()) queue(kTransformType, source);
  auto rebuilt = reindex_.status(source);
  if (!store_.staged(source, "transformed", 1).empty() || (rebuilt && rebuilt->state == "ready")) {
    queue(kLoadType, source);
  }
}

StageResult Pipeline::extract(const std::string& source) {
  StageResult result;
  auto started = std::chrono::steady_clock::now();
  while (within(started)) {
    auto from = store_.checkpoint(source);
    auto changes = feed_.read(source, from, batch_size_);
    if (changes.empty()) break;
    soci::session session(database_.pool());
    orchestra::db::WriteTransaction transaction(session, database_.dialect());
    if (!store_.extract(session, source, from, changes)) break;  // another run moved it
    transaction.commit();
    result.done += static_cast<std::int64_t>(changes.size());
  }
  if (result.done > 0) queue(kTransformType, source);
  return result;
}

StageResult Pipeline::transform(const std::string& source) {
  StageResult result;
  auto started = std::chrono::steady_clock::now();
  while (within(started)) {
    auto batch = store_.staged(source, "extracted", batch_size_);
    if (batch.empty()) break;
    soci::session session(database_.pool());
    orchestra::db::WriteTransaction transaction(session, database_.dialect());
    std::vector<std::pair<std::int64_t, std::optional<std::string>>> documents;
    for (const auto& change : batch) {
      std::optional<std::string> document;
      try {
        if (change.payload) {
          document = document_payload(search_indexer::transform(source, change.key,
                                                                *change.payload));
        }
      } catch (const TransformError& error) {
        if (store_.to_dead(session, source, change, "transform", error.what())) ++result.dead;
        continue;
      }
      documents.emplace_back(change.seq, std::move(document));
    }
    result.done += store_.transformed(session, source, documents);
    transaction.commit();
  }
  if (result.done > 0) queue(kLoadType, source);
  return result;
}

bool Pipeline::load_batch(const std::string& source, const std::vector<Staged>& batch) {
  soci::session session(database_.pool());
  orchestra::db::WriteTransaction transaction(session, database_.dialect());
  auto taken = store_.take_for_load(session, source, batch);  // not loaded already
  index_.write(session, index_writes(source, store_.newer_than_applied(session, source, taken)));
  store_.count_indexed(session, source, static_cast<std::int64_t>(taken.size()));
  transaction.commit();
  return true;
}

StageResult Pipeline::load_one_by_one(const std::string& source,
                                      const std::vector<Staged>& batch) {
  StageResult result;
  for (const auto& change : batch) {
    try {
      load_batch(source, {change});
      ++result.done;
      continue;
    } catch (const std::exception&) {
      // A lock timeout or a deadlock passes: one more try before judging.
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    try {
      load_batch(source, {change});
      ++result.done;
    } catch (const std::exception& error) {
      // An index that is down fails every document: the task fails and
      // is retried with backoff, nothing given up.
      if (!index_.reachable()) throw;
      soci::session session(database_.pool());
      orchestra::db::WriteTransaction transaction(session, database_.dialect());
      if (!store_.take_for_load(session, source, {change}).empty()) {
        store_.to_dead(session, source, change, "load", error.what());
        ++result.dead;
      }
      transaction.commit();
    }
  }
  return result;
}

StageResult Pipeline::load(const std::string& source) {
  StageResult result;
  auto started = std::chrono::steady_clock::now();
  if (auto rebuilt = reindex_.status(source); rebuilt && rebuilt->state == "ready") {
    result.done += switch_rebuilt(source);
  }
  while (within(started)) {
    auto batch = store_.staged(source, "transformed", batch_size_);
    if (batch.empty()) break;
    try {
      load_batch(source, batch);
      result.done += static_cast<std::int64_t>(batch.size());
    } catch (const std::exception& error) {
      store_.note_error(source, std::string(error.what()));
      auto single = load_one_by_one(source, batch);
      result.done += single.done;
      result.dead += single.dead;
    }
  }
  return result;
}

StageResult Pipeline::rebuild(const std::string& source) {
  StageResult result;
  auto started = std::chrono::steady_clock::now();
  while (within(started)) {
    auto status = reindex_.status(source);
    if (!status || status->state != "building") break;
    auto from = orchestra::changes::FeedPosition::parse(status->position);
    auto changes = feed_.read(source, from, batch_size_);
    if (changes.empty()) {
      if (reindex_.mark_ready(source, from)) queue(kLoadType, source);
      break;
    }
    soci::session session(database_.pool());
    orchestra::db::WriteTransaction transaction(session, database_.dialect());
    std::vector<RebuiltDocument> documents;
    for (const auto& change : changes) {
      try {
        documents.push_back(RebuiltDocument{
            change.key, change.position,
            change.document ? std::optional(document_payload(search_indexer::transform(
                                  source, change.key, *change.document)))
                            : std::nullopt});
      } catch (const TransformError& error) {
        // As in the live transform: the document stays as it was indexed.
        Staged failed{0, change.position.text(), change.key, change.document};
        if (store_.to_dead(session, source, failed, "reindex", error.what())) ++result.dead;
      }
    }
    if (!reindex_.add(session, source, from, changes.back().position, documents)) break;
    transaction.commit();
    result.done += static_cast<std::int64_t>(documents.size());
  }
  return result;
}

std::int64_t Pipeline::switch_rebuilt(const std::string& source) {
  std::int64_t written = 0;
  try {
    soci::session session(database_.pool());
    orchestra::db::WriteTransaction transaction(session, database_.dialect());
    std::string after;
    for (auto rebuilt = reindex_.documents(session, source, after, batch_size_); !rebuilt.empty();
         rebuilt = reindex_.documents(session, source, after, batch_size_)) {
      std::vector<Staged> changes;
      for (auto& document : rebuilt) {
        changes.push_back(Staged{0, document.position.text(), document.key, document.payload});
      }
      after = rebuilt.back().key;
      auto writes = index_writes(source, store_.newer_than_applied(
                                             session, source, changes,
                                             PipelineStore::Applied::as_new_or_newer));
      index_.write(session, writes);
      written += static_cast<std::int64_t>(writes.size());
    }
    if (!reindex_.finish(session, source)) return 0;  // switched by another run
    transaction.commit();
    return written;
  } catch (const std::exception& error) {
    if (!index_.reachable()) throw;  // waited out, as any load
    // A lock timeout or a deadlock passes: the next load tries again. The
    // live stages go on from the index as it is meanwhile.
    reindex_.switch_failed(source, std::string("the switch failed: ") + error.what(),
                           kSwitchAttempts);
    return 0;
  }
}

}  // namespace search_indexer
