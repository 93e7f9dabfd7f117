#pragma once
// The pipeline's own tables: each source's checkpoint in the feed, the
// changes between stages and the dead list. Every method that takes a
// session runs inside the caller's transaction; the conditional ones
// return false when another run got there first (the caller rolls back).

#include "search_document.hpp"

#include <orchestra/changes.hpp>
#include <orchestra/db.hpp>

#include <optional>
#include <string>
#include <vector>

namespace search_indexer {

struct Staged {
  std::int64_t seq = 0;
  std::string position;
  std::string key;
  std::optional<std::string> payload;  // null: a removal
};

struct DeadDocument {
  std::string id;
  std::string source;
  std::string key;
  std::string position;
  std::string stage;
  std::string error;
  std::int64_t created_at = 0;
};

struct SourceStatus {
  std::string source;
  std::string position;
  std::int64_t extracted = 0;
  std::int64_t indexed = 0;
  std::int64_t waiting_transform = 0;
  std::int64_t waiting_load = 0;
  std::int64_t dead = 0;
  std::optional<std::string> last_error;
  std::optional<std::int64_t> updated_at;  // none before the first extract
};

class PipelineStore {
 public:
  explicit PipelineStore(orchestra::db::Database& database) : database_(database) {}

  orchestra::changes::FeedPosition checkpoint(const std::string& source);
  // Stages `changes` as extracted and moves the checkpoint from `from` to
  // the last of them.
  bool extract(soci::session& session, const std::string& source,
               const orchestra::changes::FeedPosition& from,
               const std::vector<orchestra::changes::Change>& changes);
  std::vector<Staged> staged(const std::string& source, const std::string& stage, int limit);
  // Marks extracted changes transformed (with their search document, or
  // null for a removal); the number that were still extracted.
  std::int64_t transformed(soci::session& session, const std::string& source,
                           const std::vector<std::pair<std::int64_t, std::optional<std::string>>>&
                               documents);
  // Takes transformed changes off the stage, to load them; those still
  // there, in the order given.
  std::vector<Staged> take_for_load(soci::session& session, const std::string& source,
                                    const std::vector<Staged>& changes);
  // Of changes about to be loaded, those newer than what was applied for
  // their document (or as new, for a rebuild writing them again),
  // recording them as applied.
  enum class Applied { newer, as_new_or_newer };
  std::vector<Staged> newer_than_applied(soci::session& session, const std::string& source,
                                         const std::vector<Staged>& changes,
                                         Applied wanted = Applied::newer);
  void count_indexed(soci::session& session, const std::string& source, std::int64_t count);
  // Moves a change to the dead list: one that failed its transform while
  // still extracted (false when another run had it), one already taken
  // off the stage for its load, or one a rebuild could not transform
  // (false when it is listed already).
  bool to_dead(soci::session& session, const std::string& source, const Staged& change,
               const std::string& stage, const std::string& error);
  void note_error(const std::string& source, const std::optional<std::string>& error);

  std::vector<DeadDocument> dead(const std::string& source, int limit);
  // Stages a dead document again where it failed (extracted for the
  // transform, transformed for the load); false when there is none.
  bool revive(const std::string& id);
  SourceStatus status(const std::string& source);

 private:
  std::int64_t next_seq(soci::session& session, const std::string& source, std::int64_t count);

  orchestra::db::Database& database_;
};

// A search document as the transform stage stages it for the load, and back.
std::string document_payload(const SearchDocument& document);
SearchDocument read_document_payload(const std::string& source, const std::string& key,
                                     const std::string& payload);

}  // namespace search_indexer
