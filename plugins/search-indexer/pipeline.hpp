#pragma once
// Extract → transform → load, each a task per source that works through
// what waits for it in batches and queues the next stage:
//   extract:   feed entries after the checkpoint are staged, and the
//              checkpoint moves, in one transaction;
//   transform: staged entries become search documents; one that cannot
//              goes to the dead list, the rest flow on;
//   load:      documents are written to (or removed from) the index and
//              taken off the stage in one transaction, in feed order; a
//              batch the index refuses is retried one document at a time,
//              so only the documents that fail go to the dead list.
// A run killed anywhere leaves its batch staged (or in the feed), and the
// next run takes it up; conditional updates keep a late run of a dead
// worker from doing anything twice.
//
// A reindex is a fourth task per source: it reads the feed from the start
// (each document's latest entry) and transforms every document beside the
// index; once caught up, the source's next load switches the rebuilt
// documents in, in one transaction, keeping any the live stages applied
// from a later change.

#include "index_backend.hpp"
#include "pipeline_store.hpp"
#include "reindex_store.hpp"

#include <orchestra/changes.hpp>
#include <orchestra/db.hpp>
#include <orchestra/tasks.hpp>

namespace search_indexer {

inline constexpr const char* kExtractType = "search-indexer.extract";
inline constexpr const char* kTransformType = "search-indexer.transform";
inline constexpr const char* kLoadType = "search-indexer.load";
inline constexpr const char* kReindexType = "search-indexer.reindex";

struct StageResult {
  std::int64_t done = 0;
  std::int64_t dead = 0;
};

class Pipeline {
 public:
  Pipeline(orchestra::db::Database& database, orchestra::changes::ChangeFeed& feed,
           orchestra::tasks::Tasks& tasks, PipelineStore& store, ReindexStore& reindex,
           IndexBackend& index, int batch_size)
      : database_(database),
        feed_(feed),
        tasks_(tasks),
        store_(store),
        reindex_(reindex),
        index_(index),
        batch_size_(batch_size) {}

  StageResult extract(const std::string& source);
  StageResult transform(const std::string& source);
  StageResult load(const std::string& source);
  StageResult rebuild(const std::string& source);
  // Queues `stage` for `source` unless one is queued already.
  void queue(const char* stage, const std::string& source);
  // Queues the stages that have something to do for `source` (an idle
  // source costs three reads, not three tasks).
  void queue_pending(const std::string& source);

 private:
  bool load_batch(const std::string& source, const std::vector<Staged>& batch);
  StageResult load_one_by_one(const std::string& source, const std::vector<Staged>& batch);
  std::int64_t switch_rebuilt(const std::string& source);

  orchestra::db::Database& database_;
  orchestra::changes::ChangeFeed& feed_;
  orchestra::tasks::Tasks& tasks_;
  PipelineStore& store_;
  ReindexStore& reindex_;
  IndexBackend& index_;
  int batch_size_;
};

}  // namespace search_indexer
