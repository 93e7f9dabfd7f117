#include "tasks/sql_task_queue.hpp"
#include "tasks/comma_list.hpp"

#include "db/postgres_query.hpp"
#include <orchestra/db.hpp>
#include <orchestra/sql_query.hpp>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <optional>
#include <set>

namespace orchestra::tasks {
namespace {

using db::Dialect;
using db::int_at;
using db::optional_int_at;
using db::optional_text_at;
using db::text_at;

constexpr const char* kReadyStates = "state IN ('scheduled', 'queued', 'retrying')";
constexpr const char* kLiveStates = "('scheduled', 'queued', 'running', 'retrying')";
constexpr const char* kRecordColumns =
    "id, type, queue, priority, payload, state, attempts, max_attempts, run_at, unique_key, "
    "lease_owner, lease_until, progress, progress_message, result, error, created_at, "
    "started_at, finished_at, pending_deps, cancel_requested, owner";

constexpr const char* kSucceed =
    "UPDATE tasks SET state = 'succeeded', result = :result, finished_at = :now, "
    "progress = 1, lease_owner = NULL, lease_until = NULL, error = NULL WHERE id = :id "
    "AND token = :token AND state = 'running' AND cancel_requested = 0";
constexpr const char* kReleaseDependents =
    "UPDATE tasks SET pending_deps = pending_deps - 1 WHERE id IN "
    "(SELECT task_id FROM task_dependencies WHERE depends_on = :id)";

// PostgreSQL batch statements; JSON parameters carry the per-row values.
// Successes and the release of their dependents are one statement, atomic
// on its own (a dependent is never one of the tasks finishing with it:
// it cannot run before them, and the NOT IN keeps a row from being
// updated twice in one statement all the same).
constexpr const char* kSucceedMany =
    "WITH done AS (UPDATE tasks t SET state = 'succeeded', result = v.result, finished_at = $1, "
    "progress = 1, lease_owner = NULL, lease_until = NULL, error = NULL FROM ("
    "SELECT i.id, CAST(k.token AS BIGINT) AS token, r.result "
    "FROM json_array_elements_text(CAST($2 AS json)) WITH ORDINALITY AS i(id, n) "
    "JOIN json_array_elements_text(CAST($3 AS json)) WITH ORDINALITY AS k(token, n) USING (n) "
    "JOIN json_array_elements_text(CAST($4 AS json)) WITH ORDINALITY AS r(result, n) "
    "USING (n)) v WHERE t.id = v.id AND t.token = v.token AND t.state = 'running' "
    "AND t.cancel_requested = 0 RETURNING t.id, t.token), "
    "released AS (UPDATE tasks SET pending_deps = pending_deps - c.n FROM ("
    "SELECT task_id, COUNT(*) AS n FROM task_dependencies WHERE depends_on IN "
    "(SELECT id FROM done) GROUP BY task_id) c "
    "WHERE tasks.id = c.task_id AND tasks.id NOT IN (SELECT id FROM done)) "
    "SELECT id, token FROM done";
constexpr const char* kInsertMany =
    "INSERT INTO tasks (id, type, queue, priority, payload, state, max_attempts, run_at, "
    "unique_key, lease_ms, on_dependency_failure, created_at, owner) "
    "SELECT id, type, queue, priority, payload, state, max_attempts, run_at, unique_key, "
    "lease_ms, policy, created_at, owner FROM json_to_recordset(CAST($1 AS json)) AS r("
    "id text, type text, queue text, priority int, payload text, state text, "
    "max_attempts int, run_at bigint, unique_key text, lease_ms bigint, policy text, "
    "created_at bigint, owner text) ON CONFLICT DO NOTHING RETURNING id";

std::string json_array(const std::vector<std::string>& items) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.StartArray();
  for (const auto& item : items) writer.String(item);
  writer.EndArray();
  return std::string(buffer.GetString(), buffer.GetSize());
}

TaskRecord read_record(const soci::row& row) {
  TaskRecord record;
  record.id = text_at(row, 0);
  record.type = text_at(row, 1);
  record.queue = text_at(row, 2);
  record.priority = static_cast<int>(int_at(row, 3));
  record.payload = text_at(row, 4);
  record.state = parse_state(text_at(row, 5)).value_or(State::queued);
  record.attempts = static_cast<int>(int_at(row, 6));
  record.max_attempts = static_cast<int>(int_at(row, 7));
  record.run_at = int_at(row, 8);
  record.unique_key = optional_text_at(row, 9);
  record.lease_owner = optional_text_at(row, 10);
  record.lease_until = optional_int_at(row, 11);
  record.progress = db::double_at(row, 12);
  record.progress_message = text_at(row, 13);
  record.result = optional_text_at(row, 14);
  record.error = optional_text_at(row, 15);
  record.created_at = int_at(row, 16);
  record.started_at = optional_int_at(row, 17);
  record.finished_at = optional_int_at(row, 18);
  record.pending_dependencies = static_cast<int>(int_at(row, 19));
  record.cancel_requested = int_at(row, 20) != 0;
  record.owner = optional_text_at(row, 21);
  return record;
}

// Everything that runs inside one open transaction on one session.
class Work {
 public:
  Work(soci::session& session, Dialect dialect) : session_(session), dialect_(dialect) {}

  std::vector<std::string> enqueue(const std::vector<TaskSpec>& specs) {
    std::vector<std::string> ids;
    ids.reserve(specs.size());
    std::vector<const TaskSpec*> run;  // consecutive specs without dependencies
    auto flush = [&] {
      auto inserted = insert_many(run);
      ids.insert(ids.end(), inserted.begin(), inserted.end());
      run.clear();
    };
    for (const auto& spec : specs) {
      if (dialect_ == Dialect::postgres && spec.depends_on.empty()) {
        run.push_back(&spec);
        continue;
      }
      flush();
      ids.push_back(insert(spec));
    }
    flush();
    return ids;
  }

  // Applies every outcome; returns how many were stale. Successes, the
  // common case, share two prepared statements (SQLite) or go in two
  // statements for the whole batch (PostgreSQL, where each statement is a
  // network round trip).
  std::size_t apply_all(const std::vector<Outcome>& outcomes, std::int64_t now) {
    if (dialect_ == Dialect::postgres) return apply_all_postgres(outcomes, now);
    std::size_t stale = 0;
    std::string id, result;
    long long token = 0, now_value = now;
    std::optional<soci::statement> succeed, release_dependents;
    for (const auto& outcome : outcomes) {
      if (outcome.kind != Outcome::Kind::succeeded) {
        stale += apply(outcome, now) ? 0 : 1;
        continue;
      }
      if (!succeed) {
        succeed.emplace((session_.prepare << kSucceed, soci::use(result), soci::use(now_value),
                         soci::use(id), soci::use(token)));
        release_dependents.emplace((session_.prepare << kReleaseDependents, soci::use(id)));
      }
      id = outcome.id;
      token = outcome.token;
      result = outcome.result_or_error;
      if (db::affected_rows(*succeed) == 1) {
        release_dependents->execute(true);
      } else {
        stale += finish_unsuccessfully(outcome, "cancelled", now) ? 0 : 1;
      }
    }
    return stale;
  }

  std::size_t apply_all_postgres(const std::vector<Outcome>& outcomes, std::int64_t now) {
    std::size_t stale = 0;
    std::vector<const Outcome*> successes;
    for (const auto& outcome : outcomes) {
      if (outcome.kind == Outcome::Kind::succeeded) {
        successes.push_back(&outcome);
      } else {
        stale += apply(outcome, now) ? 0 : 1;
      }
    }
    return stale + settle_unapplied(succeed_many_postgres(successes, now), now);
  }

  // PostgreSQL, when every outcome is a success: one statement, which needs
  // no transaction; only successes it could not apply take one.
  std::size_t apply_successes_alone(const std::vector<Outcome>& outcomes, std::int64_t now) {
    std::vector<const Outcome*> successes;
    for (const auto& outcome : outcomes) successes.push_back(&outcome);
    auto unapplied = succeed_many_postgres(successes, now);
    if (unapplied.empty()) return 0;
    db::WriteTransaction transaction(session_, dialect_);
    auto stale = settle_unapplied(unapplied, now);
    transaction.commit();
    return stale;
  }

  // Returns the successes not applied: a stale token, or a cancellation
  // requested while they ran.
  std::vector<const Outcome*> succeed_many_postgres(const std::vector<const Outcome*>& successes,
                                                    std::int64_t now) {
    if (successes.empty()) return {};
    std::vector<std::string> ids, tokens, results;
    for (const auto* outcome : successes) {
      ids.push_back(outcome->id);
      tokens.push_back(std::to_string(outcome->token));
      results.push_back(outcome->result_or_error);
    }
    // By id and token: a batch may hold a stale outcome of a task next to
    // the current one.
    std::set<std::pair<std::string, std::int64_t>> succeeded;
    for (auto& row : db::query_postgres(session_, kSucceedMany,
                                        {std::to_string(now), json_array(ids),
                                         json_array(tokens), json_array(results)})) {
      succeeded.emplace(std::move(*row[0]), std::stoll(*row[1]));
    }
    std::vector<const Outcome*> unapplied;
    for (const auto* outcome : successes) {
      if (!succeeded.contains({outcome->id, outcome->token})) unapplied.push_back(outcome);
    }
    return unapplied;
  }

  // Cancels those whose cancellation was requested; the number stale.
  std::size_t settle_unapplied(const std::vector<const Outcome*>& unapplied, std::int64_t now) {
    std::size_t stale = 0;
    for (const auto* outcome : unapplied) {
      stale += finish_unsuccessfully(*outcome, "cancelled", now) ? 0 : 1;
    }
    return stale;
  }

  // Returns false when the token is stale.
  bool apply(const Outcome& outcome, std::int64_t now) {
    switch (outcome.kind) {
      case Outcome::Kind::succeeded: return succeed(outcome, now);
      case Outcome::Kind::retry: return retry_later(outcome, now);
      case Outcome::Kind::dead: return finish_unsuccessfully(outcome, "dead", now);
      case Outcome::Kind::cancelled: return finish_unsuccessfully(outcome, "cancelled", now);
      case Outcome::Kind::released: return release(outcome, now);
    }
    return false;
  }

  std::vector<ClaimedTask> claim(const std::string& worker, const std::string& queue,
                                 const std::string& types, std::size_t limit, bool oldest_first,
                                 std::int64_t now) {
    auto type_filter = dialect_ == Dialect::sqlite
                           ? "instr(:types, ',' || type || ',') > 0"
                           : "position(',' || type || ',' in :types) > 0";
    auto sql = fmt::format(
        "UPDATE tasks SET state = 'running', lease_owner = :worker, "
        "lease_until = :now1 + lease_ms, attempts = attempts + 1, token = token + 1, "
        "started_at = COALESCE(started_at, :now2) "
        "WHERE id IN (SELECT id FROM tasks {} WHERE {} AND pending_deps = 0 AND queue = :queue "
        "AND run_at <= :now3 AND {} ORDER BY {} LIMIT :limit{}) "
        "RETURNING id, type, payload, attempts, max_attempts, token, lease_ms, dependency_count",
        index_hint(oldest_first), kReadyStates, type_filter,
        oldest_first ? "run_at, id" : "priority DESC, run_at, id",
        dialect_ == Dialect::postgres ? " FOR UPDATE SKIP LOCKED" : "");
    long long now_value = now;
    long long limit_value = static_cast<long long>(limit);
    auto joined = "," + types + ",";
    if (dialect_ == Dialect::postgres) {
      return claim_postgres(worker, queue, joined, limit, oldest_first, now);
    }
    soci::rowset<soci::row> rows =
        (session_.prepare << sql, soci::use(worker), soci::use(now_value),
         soci::use(now_value), soci::use(queue), soci::use(now_value), soci::use(joined),
         soci::use(limit_value));
    std::vector<ClaimedTask> claimed;
    std::vector<std::size_t> with_dependencies;
    for (const auto& row : rows) {
      ClaimedTask task;
      task.queue = queue;
      task.id = text_at(row, 0);
      task.type = text_at(row, 1);
      task.payload = text_at(row, 2);
      task.attempt = static_cast<int>(int_at(row, 3));
      task.max_attempts = static_cast<int>(int_at(row, 4));
      task.token = int_at(row, 5);
      task.lease_ms = int_at(row, 6);
      if (int_at(row, 7) > 0) with_dependencies.push_back(claimed.size());
      claimed.push_back(std::move(task));
    }
    for (auto index : with_dependencies) load_dependency_results(claimed[index]);
    return claimed;
  }

  // The same claim in one round trip (see db/postgres_query.hpp): it sets
  // idle enqueue-to-start latency.
  std::vector<ClaimedTask> claim_postgres(const std::string& worker, const std::string& queue,
                                          const std::string& types, std::size_t limit,
                                          bool oldest_first, std::int64_t now) {
    auto sql = fmt::format(
        "UPDATE tasks SET state = 'running', lease_owner = $1, lease_until = $2 + lease_ms, "
        "attempts = attempts + 1, token = token + 1, started_at = COALESCE(started_at, $2) "
        "WHERE id IN (SELECT id FROM tasks WHERE {} AND pending_deps = 0 AND queue = $3 "
        "AND run_at <= $2 AND position(',' || type || ',' in $4) > 0 ORDER BY {} LIMIT $5 "
        "FOR UPDATE SKIP LOCKED) "
        "RETURNING id, type, payload, attempts, max_attempts, token, lease_ms, dependency_count",
        kReadyStates, oldest_first ? "run_at, id" : "priority DESC, run_at, id");
    auto rows = db::query_postgres(
        session_, sql, {worker, std::to_string(now), queue, types, std::to_string(limit)});
    std::vector<ClaimedTask> claimed;
    for (auto& row : rows) {
      ClaimedTask task;
      task.queue = queue;
      task.id = std::move(*row[0]);
      task.type = std::move(*row[1]);
      task.payload = std::move(*row[2]);
      task.attempt = std::stoi(*row[3]);
      task.max_attempts = std::stoi(*row[4]);
      task.token = std::stoll(*row[5]);
      task.lease_ms = std::stoll(*row[6]);
      bool has_dependencies = std::stoi(*row[7]) > 0;
      claimed.push_back(std::move(task));
      if (has_dependencies) load_dependency_results(claimed.back());
    }
    return claimed;
  }

  // Without statistics SQLite prefers the age index and sorts every due
  // task; walking the index in claim order stops after `limit` rows.
  std::string index_hint(bool oldest_first) const {
    if (dialect_ != Dialect::sqlite) return "";
    return oldest_first ? "INDEXED BY tasks_ready_by_age" : "INDEXED BY tasks_ready_by_priority";
  }

  std::vector<Outcome> expired_leases(std::int64_t now) {
    long long now_value = now;
    soci::rowset<soci::row> rows =
        (session_.prepare << "SELECT id, token, attempts, max_attempts FROM tasks "
                             "WHERE state = 'running' AND lease_until < :now",
         soci::use(now_value));
    std::vector<Outcome> outcomes;
    for (const auto& row : rows) {
      bool exhausted = int_at(row, 2) >= int_at(row, 3);
      outcomes.push_back(Outcome{text_at(row, 0), int_at(row, 1),
                                 exhausted ? Outcome::Kind::dead : Outcome::Kind::retry,
                                 "lease expired: the worker stopped heartbeating", now});
    }
    return outcomes;
  }

  Transition cancel(const std::string& id, std::int64_t now) {
    auto state = state_of(id);
    if (!state) return Transition::not_found;
    if (*state == State::running) {
      session_ << "UPDATE tasks SET cancel_requested = 1 WHERE id = :id", soci::use(id);
      return Transition::done;
    }
    if (!is_live(*state)) return Transition::illegal;
    long long now_value = now;
    session_ << "UPDATE tasks SET state = 'cancelled', finished_at = :now, "
                "error = 'cancelled by request' WHERE id = :id",
        soci::use(now_value), soci::use(id);
    propagate_failure(id, "cancelled", now);
    return Transition::done;
  }

  std::optional<State> state_of(const std::string& id) {
    std::string state;
    soci::indicator indicator = soci::i_null;
    session_ << "SELECT state FROM tasks WHERE id = :id", soci::use(id),
        soci::into(state, indicator);
    if (!session_.got_data() || indicator == soci::i_null) return std::nullopt;
    return parse_state(state);
  }

  bool insert_firing(const std::string& name, std::int64_t fire_at, const std::string& task_id) {
    long long fire_value = fire_at;
    soci::statement statement =
        (session_.prepare << "INSERT INTO schedule_firings (name, fire_at, task_id) "
                             "VALUES (:name, :fire_at, :task_id) ON CONFLICT DO NOTHING",
         soci::use(name), soci::use(fire_value), soci::use(task_id));
    return db::affected_rows(statement) == 1;
  }

 private:
  std::string insert(const TaskSpec& spec) {
    auto now = now_millis();
    long long pending = 0;
    std::optional<std::string> failed_dependency;
    for (const auto& dependency : spec.depends_on) {
      auto state = state_of(dependency);
      if (!state) throw EnqueueError("dependency " + dependency + " does not exist");
      if (*state == State::dead || *state == State::cancelled) {
        if (spec.on_dependency_failure == DependencyPolicy::fail) {
          failed_dependency = dependency;
        }
      } else if (*state != State::succeeded) {
        ++pending;
      }
    }
    std::string state = failed_dependency               ? "dead"
                        : spec.run_at > now || pending ? "scheduled"
                                                       : "queued";
    std::string error = failed_dependency ? "dependency " + *failed_dependency + " failed" : "";
    soci::indicator error_indicator = failed_dependency ? soci::i_ok : soci::i_null;
    std::string unique_key = spec.unique_key.value_or("");
    soci::indicator unique_indicator = spec.unique_key ? soci::i_ok : soci::i_null;
    std::string owner = spec.owner.value_or("");
    soci::indicator owner_indicator = spec.owner ? soci::i_ok : soci::i_null;
    long long run_at = spec.run_at, lease_ms = spec.lease_ms, created = now;
    long long finished = now;
    soci::indicator finished_indicator = failed_dependency ? soci::i_ok : soci::i_null;
    int dependency_count = static_cast<int>(spec.depends_on.size());
    std::string policy = spec.on_dependency_failure == DependencyPolicy::fail ? "fail" : "run";
    soci::statement statement =
        (session_.prepare
             << "INSERT INTO tasks (id, type, queue, priority, payload, state, max_attempts, "
                "run_at, unique_key, lease_ms, error, dependency_count, pending_deps, "
                "on_dependency_failure, created_at, finished_at, owner) VALUES (:id, :type, "
                ":queue, :priority, :payload, :state, :max_attempts, :run_at, :unique_key, "
                ":lease_ms, :error, :dependency_count, :pending, :policy, :created, :finished, "
                ":owner) ON CONFLICT DO NOTHING",
         soci::use(spec.id), soci::use(spec.type), soci::use(spec.queue),
         soci::use(spec.priority), soci::use(spec.payload), soci::use(state),
         soci::use(spec.max_attempts), soci::use(run_at), soci::use(unique_key, unique_indicator),
         soci::use(lease_ms), soci::use(error, error_indicator), soci::use(dependency_count),
         soci::use(pending), soci::use(policy), soci::use(created),
         soci::use(finished, finished_indicator), soci::use(owner, owner_indicator));
    if (db::affected_rows(statement) == 0) return live_task_with_key(spec);
    for (const auto& dependency : spec.depends_on) {
      session_ << "INSERT INTO task_dependencies (task_id, depends_on) VALUES (:task, :parent)",
          soci::use(spec.id), soci::use(dependency);
    }
    return spec.id;
  }

  // PostgreSQL: one INSERT for the whole run, rows passed as one JSON
  // parameter. Specs that lost a unique-key race map to the live task.
  std::vector<std::string> insert_many(const std::vector<const TaskSpec*>& specs) {
    if (specs.empty()) return {};
    auto now = now_millis();
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    writer.StartArray();
    for (const auto* spec : specs) {
      writer.StartObject();
      writer.Key("id"), writer.String(spec->id);
      writer.Key("type"), writer.String(spec->type);
      writer.Key("queue"), writer.String(spec->queue);
      writer.Key("priority"), writer.Int(spec->priority);
      writer.Key("payload"), writer.String(spec->payload);
      writer.Key("state"), writer.String(spec->run_at > now ? "scheduled" : "queued");
      writer.Key("max_attempts"), writer.Int(spec->max_attempts);
      writer.Key("run_at"), writer.Int64(spec->run_at);
      writer.Key("unique_key");
      spec->unique_key ? writer.String(*spec->unique_key) : writer.Null();
      writer.Key("lease_ms"), writer.Int64(spec->lease_ms);
      writer.Key("policy");
      writer.String(spec->on_dependency_failure == DependencyPolicy::fail ? "fail" : "run");
      writer.Key("created_at"), writer.Int64(now);
      writer.Key("owner");
      spec->owner ? writer.String(*spec->owner) : writer.Null();
      writer.EndObject();
    }
    writer.EndArray();
    std::string rows(buffer.GetString(), buffer.GetSize());
    std::set<std::string> inserted;
    for (auto& row : db::query_postgres(session_, kInsertMany, {rows})) {
      inserted.insert(std::move(*row[0]));
    }
    std::vector<std::string> ids;
    for (const auto* spec : specs) {
      ids.push_back(inserted.contains(spec->id) ? spec->id : live_task_with_key(*spec));
    }
    return ids;
  }

  std::string live_task_with_key(const TaskSpec& spec) {
    std::string id;
    if (spec.unique_key) {
      session_ << fmt::format("SELECT id FROM tasks WHERE unique_key = :key AND state IN {}",
                              kLiveStates),
          soci::use(*spec.unique_key), soci::into(id);
    }
    if (id.empty()) throw EnqueueError("task id " + spec.id + " is already taken");
    return id;
  }

  void load_dependency_results(ClaimedTask& task) {
    soci::rowset<soci::row> rows =
        (session_.prepare << "SELECT d.depends_on, t.result FROM task_dependencies d "
                             "LEFT JOIN tasks t ON t.id = d.depends_on WHERE d.task_id = :id",
         soci::use(task.id));
    for (const auto& row : rows) {
      task.dependency_results[text_at(row, 0)] = optional_text_at(row, 1).value_or("null");
    }
  }

  bool succeed(const Outcome& outcome, std::int64_t now) {
    return apply_all({outcome}, now) == 0;
  }

  bool retry_later(const Outcome& outcome, std::int64_t now) {
    long long retry_at = outcome.retry_at, token = outcome.token;
    soci::statement statement =
        (session_.prepare << "UPDATE tasks SET state = 'retrying', run_at = :run_at, "
                             "error = :error, lease_owner = NULL, lease_until = NULL "
                             "WHERE id = :id AND token = :token AND state = 'running' "
                             "AND cancel_requested = 0",
         soci::use(retry_at), soci::use(outcome.result_or_error), soci::use(outcome.id),
         soci::use(token));
    if (db::affected_rows(statement) == 1) {
      note_error(outcome.id, outcome.result_or_error, now);
      return true;
    }
    return finish_unsuccessfully(outcome, "cancelled", now);
  }

  // Why this attempt failed, kept for the task's page.
  void note_error(const std::string& id, const std::string& error, std::int64_t now) {
    long long failed_at = now;
    session_ << "INSERT INTO task_attempt_errors (task_id, attempt, error, failed_at) "
                "SELECT id, attempts, :error, :now FROM tasks WHERE id = :id",
        soci::use(error), soci::use(failed_at), soci::use(id);
  }

  bool finish_unsuccessfully(const Outcome& outcome, const std::string& state,
                             std::int64_t now) {
    long long now_value = now, token = outcome.token;
    auto error = state == "cancelled" && outcome.kind != Outcome::Kind::dead
                     ? std::string("cancelled by request")
                     : outcome.result_or_error;
    soci::statement statement =
        (session_.prepare << "UPDATE tasks SET state = :state, error = :error, "
                             "finished_at = :now, lease_owner = NULL, lease_until = NULL "
                             "WHERE id = :id AND token = :token AND state = 'running'"
                             + std::string(state == "cancelled" ? " AND cancel_requested = 1"
                                                                : ""),
         soci::use(state), soci::use(error), soci::use(now_value), soci::use(outcome.id),
         soci::use(token));
    if (db::affected_rows(statement) == 0) return false;
    if (state == "dead") note_error(outcome.id, error, now);
    propagate_failure(outcome.id, state, now);
    return true;
  }

  // Back to the queue with its attempt given back: at once, or at
  // `retry_at` with the error noted (a dependency was down).
  bool release(const Outcome& outcome, std::int64_t now) {
    long long token = outcome.token;
    if (outcome.retry_at == 0) {
      soci::statement statement =
          (session_.prepare << "UPDATE tasks SET state = 'queued', attempts = attempts - 1, "
                               "lease_owner = NULL, lease_until = NULL WHERE id = :id "
                               "AND token = :token AND state = 'running'",
           soci::use(outcome.id), soci::use(token));
      return db::affected_rows(statement) == 1;
    }
    long long retry_at = outcome.retry_at;
    soci::statement statement =
        (session_.prepare << "UPDATE tasks SET state = 'retrying', attempts = attempts - 1, "
                             "run_at = :run_at, error = :error, lease_owner = NULL, "
                             "lease_until = NULL WHERE id = :id AND token = :token "
                             "AND state = 'running'",
         soci::use(retry_at), soci::use(outcome.result_or_error), soci::use(outcome.id),
         soci::use(token));
    if (db::affected_rows(statement) != 1) return false;
    note_error(outcome.id, outcome.result_or_error, now);
    return true;
  }

  // A dead or cancelled task fails its live dependents (policy `fail`,
  // recursively) or lets them run (policy `run`).
  void propagate_failure(const std::string& id, const std::string& state, std::int64_t now) {
    std::vector<std::pair<std::string, std::string>> children;
    {
      soci::rowset<soci::row> rows =
          (session_.prepare << fmt::format(
               "SELECT t.id, t.on_dependency_failure FROM task_dependencies d JOIN tasks t "
               "ON t.id = d.task_id WHERE d.depends_on = :id AND t.state IN {}",
               kLiveStates),
           soci::use(id));
      for (const auto& row : rows) children.emplace_back(text_at(row, 0), text_at(row, 1));
    }
    long long now_value = now;
    for (const auto& [child, policy] : children) {
      if (policy == "run") {
        session_ << "UPDATE tasks SET pending_deps = pending_deps - 1 WHERE id = :id",
            soci::use(child);
        continue;
      }
      auto error = fmt::format("dependency {} ended {}", id, state);
      session_ << "UPDATE tasks SET state = 'dead', error = :error, finished_at = :now, "
                  "cancel_requested = CASE WHEN state = 'running' THEN 1 ELSE 0 END "
                  "WHERE id = :id",
          soci::use(error), soci::use(now_value), soci::use(child);
      propagate_failure(child, "dead", now);
    }
  }

  soci::session& session_;
  Dialect dialect_;
};

}  // namespace

SqlTaskQueue::SqlTaskQueue(db::ConnectionPool& database)
    : database_(database), dialect_(database.dialect()) {}

std::unique_lock<std::mutex> SqlTaskQueue::lock_writer() {
  if (dialect_ != Dialect::sqlite) return {};
  return std::unique_lock(sqlite_writer_);
}

std::vector<std::string> SqlTaskQueue::enqueue(const std::vector<TaskSpec>& specs) {
  soci::session session(database_.pool());
  auto writer = lock_writer();
  // On PostgreSQL a batch without dependencies is one INSERT, atomic on
  // its own: BEGIN and COMMIT would only add two round trips.
  bool single_statement =
      dialect_ == Dialect::postgres &&
      std::all_of(specs.begin(), specs.end(),
                  [](const auto& spec) { return spec.depends_on.empty(); });
  std::optional<db::WriteTransaction> transaction;
  if (!single_statement) transaction.emplace(session, dialect_);
  auto ids = Work(session, dialect_).enqueue(specs);
  if (transaction) transaction->commit();
  return ids;
}

std::vector<std::string> SqlTaskQueue::enqueue_in(soci::session& session,
                                                  const std::vector<TaskSpec>& specs) {
  return Work(session, dialect_).enqueue(specs);
}

std::vector<ClaimedTask> SqlTaskQueue::exchange(const std::vector<Outcome>& outcomes,
                                                const std::string& worker,
                                                const std::vector<std::string>& queues,
                                                const std::vector<std::string>& types,
                                                std::size_t limit, bool oldest_first,
                                                std::size_t& stale) {
  soci::session session(database_.pool());
  auto writer = lock_writer();
  // On PostgreSQL a claim from one queue is one UPDATE and a batch of
  // successes one statement, each atomic on its own; the transaction is for
  // other outcomes and several queues (several statements that must land
  // together) and for SQLite's write lock.
  bool successes_only = std::all_of(outcomes.begin(), outcomes.end(), [](const auto& outcome) {
    return outcome.kind == Outcome::Kind::succeeded;
  });
  // Claims from several queues are several statements: one failing must
  // not leave the others' tasks leased to a worker that never hears of them.
  bool one_claim = types.empty() || queues.size() <= 1;
  std::optional<db::WriteTransaction> transaction;
  if (dialect_ == Dialect::sqlite || !successes_only || !one_claim) {
    transaction.emplace(session, dialect_);
  }
  Work work(session, dialect_);
  auto now = now_millis();
  stale = transaction ? work.apply_all(outcomes, now) : work.apply_successes_alone(outcomes, now);
  std::vector<ClaimedTask> claimed;
  if (!types.empty()) {
    auto type_list = join_commas(types);
    for (const auto& queue : queues) {
      if (claimed.size() >= limit) break;
      auto more = work.claim(worker, queue, type_list, limit - claimed.size(), oldest_first, now);
      claimed.insert(claimed.end(), std::make_move_iterator(more.begin()),
                     std::make_move_iterator(more.end()));
    }
  }
  if (transaction) transaction->commit();
  return claimed;
}

std::vector<LeaseState> SqlTaskQueue::extend_leases(
    const std::vector<std::pair<std::string, std::int64_t>>& leases) {
  soci::session session(database_.pool());
  auto writer = lock_writer();
  db::WriteTransaction transaction(session, dialect_);
  std::vector<LeaseState> states;
  long long now = now_millis();
  for (const auto& [id, token_value] : leases) {
    long long token = token_value;
    int cancel = 0;
    soci::indicator indicator = soci::i_null;
    session << "UPDATE tasks SET lease_until = :now + lease_ms WHERE id = :id AND "
               "token = :token AND state = 'running' RETURNING cancel_requested",
        soci::use(now), soci::use(id), soci::use(token), soci::into(cancel, indicator);
    if (!session.got_data()) {
      states.push_back(LeaseState::lost);
    } else {
      states.push_back(cancel != 0 ? LeaseState::cancel_requested : LeaseState::held);
    }
  }
  transaction.commit();
  return states;
}

void SqlTaskQueue::progress(const std::string& id, std::int64_t token, double fraction,
                            const std::string& message) {
  soci::session session(database_.pool());
  long long token_value = token;
  session << "UPDATE tasks SET progress = :fraction, progress_message = :message "
             "WHERE id = :id AND token = :token AND state = 'running'",
      soci::use(fraction), soci::use(message), soci::use(id), soci::use(token_value);
}

std::size_t SqlTaskQueue::reclaim_expired() {
  soci::session session(database_.pool());
  auto writer = lock_writer();
  db::WriteTransaction transaction(session, dialect_);
  Work work(session, dialect_);
  auto now = now_millis();
  std::size_t reclaimed = 0;
  for (const auto& outcome : work.expired_leases(now)) {
    reclaimed += work.apply(outcome, now) ? 1 : 0;
  }
  transaction.commit();
  return reclaimed;
}

std::optional<TaskRecord> SqlTaskQueue::get(const std::string& id) {
  soci::session session(database_.pool());
  soci::rowset<soci::row> rows =
      (session.prepare << fmt::format("SELECT {} FROM tasks WHERE id = :id", kRecordColumns),
       soci::use(id));
  std::optional<TaskRecord> record;
  for (const auto& row : rows) record = read_record(row);
  if (!record) return std::nullopt;
  db::SqlQuery("SELECT attempt, error, failed_at FROM task_attempt_errors WHERE task_id = :id "
               "ORDER BY failed_at, attempt")
      .text("id", id)
      .each(session, [&](const soci::row& row) {
        record->attempt_errors.push_back(TaskRecord::AttemptError{
            static_cast<int>(int_at(row, 0)), text_at(row, 1), int_at(row, 2)});
      });
  return record;
}

std::vector<std::string> SqlTaskQueue::dependencies(const std::string& id) {
  soci::session session(database_.pool());
  std::vector<std::string> ids;
  db::SqlQuery("SELECT depends_on FROM task_dependencies WHERE task_id = :id ORDER BY depends_on")
      .text("id", id)
      .each(session, [&](const soci::row& row) { ids.push_back(text_at(row, 0)); });
  return ids;
}

std::vector<std::string> SqlTaskQueue::dependents(const std::string& id) {
  soci::session session(database_.pool());
  std::vector<std::string> ids;
  db::SqlQuery("SELECT task_id FROM task_dependencies WHERE depends_on = :id ORDER BY task_id")
      .text("id", id)
      .each(session, [&](const soci::row& row) { ids.push_back(text_at(row, 0)); });
  return ids;
}

TaskPage SqlTaskQueue::list(const ListFilter& filter) {
  soci::session session(database_.pool());
  db::SqlQuery query(fmt::format("SELECT {} FROM tasks WHERE 1 = 1", kRecordColumns));
  if (filter.state) query.append(" AND state = :state").text("state", std::string(state_name(*filter.state)));
  if (!filter.types.empty()) query.append(" AND type IN (").texts_in("type", filter.types).append(")");
  if (filter.queue) query.append(" AND queue = :queue").text("queue", *filter.queue);
  if (filter.owner) query.append(" AND owner = :owner").text("owner", *filter.owner);
  if (filter.cursor) query.append(" AND id < :cursor").text("cursor", *filter.cursor);
  query.append(" ORDER BY id DESC LIMIT :limit").integer("limit", filter.limit + 1);
  TaskPage page;
  query.each(session, [&](const soci::row& row) { page.tasks.push_back(read_record(row)); });
  if (page.tasks.size() > static_cast<std::size_t>(filter.limit)) {
    page.tasks.pop_back();
    page.next_cursor = page.tasks.back().id;
  }
  return page;
}

TaskStats SqlTaskQueue::stats() {
  soci::session session(database_.pool());
  soci::rowset<soci::row> rows =
      (session.prepare << "SELECT queue, type, state, COUNT(*) FROM tasks "
                          "GROUP BY queue, type, state");
  TaskStats stats;
  for (const auto& row : rows) {
    auto queue = text_at(row, 0), type = text_at(row, 1), state = text_at(row, 2);
    auto count = int_at(row, 3);
    stats.by_state[state] += count;
    stats.by_queue[queue][state] += count;
    stats.by_type[type][state] += count;
  }
  return stats;
}

Transition SqlTaskQueue::cancel(const std::string& id) {
  soci::session session(database_.pool());
  auto writer = lock_writer();
  db::WriteTransaction transaction(session, dialect_);
  auto result = Work(session, dialect_).cancel(id, now_millis());
  transaction.commit();
  return result;
}

Transition SqlTaskQueue::retry(const std::string& id) {
  soci::session session(database_.pool());
  auto writer = lock_writer();
  db::WriteTransaction transaction(session, dialect_);
  auto state = Work(session, dialect_).state_of(id);
  if (!state) return Transition::not_found;
  if (*state != State::dead && *state != State::cancelled) return Transition::illegal;
  long long now = now_millis();
  try {
    session << "UPDATE tasks SET state = 'queued', attempts = 0, run_at = :now, "
               "finished_at = NULL, result = NULL, cancel_requested = 0, progress = 0, "
               "progress_message = '' WHERE id = :id",
        soci::use(now), soci::use(id);
  } catch (const soci::soci_error&) {
    return Transition::illegal;  // a live task already holds its unique key
  }
  transaction.commit();
  return Transition::done;
}

std::size_t SqlTaskQueue::purge(std::int64_t before) {
  soci::session session(database_.pool());
  auto writer = lock_writer();
  db::WriteTransaction transaction(session, dialect_);
  long long cutoff = before;
  session << "DELETE FROM task_attempt_errors WHERE task_id IN (SELECT id FROM tasks WHERE "
             "finished_at IS NOT NULL AND finished_at < :cutoff AND state IN ('succeeded', "
             "'dead', 'cancelled'))",
      soci::use(cutoff);
  soci::statement statement =
      (session.prepare << "DELETE FROM tasks WHERE finished_at IS NOT NULL AND "
                          "finished_at < :cutoff AND state IN ('succeeded', 'dead', 'cancelled')",
       soci::use(cutoff));
  auto removed = db::affected_rows(statement);
  session << "DELETE FROM schedule_firings WHERE fire_at < :cutoff", soci::use(cutoff);
  transaction.commit();
  return static_cast<std::size_t>(removed);
}

void SqlTaskQueue::record_worker(const WorkerInfo& worker) {
  soci::session session(database_.pool());
  auto queues = join_commas(worker.queues), current = join_commas(worker.current_tasks);
  long long started = worker.started_at, heartbeat = worker.heartbeat_at;
  session << "INSERT INTO task_workers (name, queues, current_tasks, started_at, heartbeat_at) "
             "VALUES (:name, :queues, :current, :started, :heartbeat) ON CONFLICT (name) DO "
             "UPDATE SET queues = excluded.queues, current_tasks = excluded.current_tasks, "
             "heartbeat_at = excluded.heartbeat_at",
      soci::use(worker.name), soci::use(queues), soci::use(current), soci::use(started),
      soci::use(heartbeat);
}

void SqlTaskQueue::remove_worker(const std::string& name) {
  soci::session session(database_.pool());
  session << "DELETE FROM task_workers WHERE name = :name", soci::use(name);
}

std::vector<WorkerInfo> SqlTaskQueue::workers(std::int64_t seen_since) {
  soci::session session(database_.pool());
  long long since = seen_since;
  soci::rowset<soci::row> rows =
      (session.prepare << "SELECT name, queues, current_tasks, started_at, heartbeat_at FROM "
                          "task_workers WHERE heartbeat_at >= :since ORDER BY name",
       soci::use(since));
  std::vector<WorkerInfo> workers;
  for (const auto& row : rows) {
    workers.push_back(WorkerInfo{text_at(row, 0), split_commas(text_at(row, 1)),
                                 split_commas(text_at(row, 2)), int_at(row, 3), int_at(row, 4)});
  }
  return workers;
}

bool SqlTaskQueue::fire_schedule(const std::string& name, std::int64_t fire_at,
                                 const TaskSpec& spec) {
  soci::session session(database_.pool());
  auto writer = lock_writer();
  db::WriteTransaction transaction(session, dialect_);
  Work work(session, dialect_);
  if (!work.insert_firing(name, fire_at, spec.id)) return false;
  work.enqueue({spec});
  transaction.commit();
  return true;
}

std::optional<std::pair<std::int64_t, std::string>> SqlTaskQueue::last_firing(
    const std::string& name) {
  soci::session session(database_.pool());
  soci::rowset<soci::row> rows =
      (session.prepare << "SELECT fire_at, task_id FROM schedule_firings WHERE name = :name "
                          "ORDER BY fire_at DESC LIMIT 1",
       soci::use(name));
  for (const auto& row : rows) return std::make_pair(int_at(row, 0), text_at(row, 1));
  return std::nullopt;
}

std::optional<std::string> SqlTaskQueue::ping() {
  return database_.ping(std::chrono::milliseconds(1000));
}

}  // namespace orchestra::tasks
