#include "expression_store.hpp"

#include <orchestra/clock.hpp>
#include <soci/soci.h>

#include <chrono>

namespace calculator {
namespace {

constexpr const char* kColumns =
    "SELECT id, user_id, req_uid, expression, status, result, error_message, error_position, "
    "operations_total, operations_done, created_at, eval_started_at, eval_finished_at "
    "FROM calculator_expressions ";

// Reads the columns of kColumns, in order.
class ExpressionRow {
 public:
  void bind(soci::statement& statement) {
    statement.exchange(soci::into(value.id));
    statement.exchange(soci::into(value.user_id));
    statement.exchange(soci::into(value.req_uid));
    statement.exchange(soci::into(value.text));
    statement.exchange(soci::into(value.status));
    statement.exchange(soci::into(result, result_null));
    statement.exchange(soci::into(error_message, error_message_null));
    statement.exchange(soci::into(error_position, error_position_null));
    statement.exchange(soci::into(value.operations_total));
    statement.exchange(soci::into(value.operations_done));
    statement.exchange(soci::into(created_at));
    statement.exchange(soci::into(started_at, started_null));
    statement.exchange(soci::into(finished_at, finished_null));
  }

  Expression get() const {
    Expression out = value;
    if (result_null == soci::i_ok) out.result = result;
    if (error_message_null == soci::i_ok) out.error_message = error_message;
    if (error_position_null == soci::i_ok) out.error_position = error_position;
    out.created_at = created_at;
    if (started_null == soci::i_ok) out.eval_started_at = started_at;
    if (finished_null == soci::i_ok) out.eval_finished_at = finished_at;
    return out;
  }

 private:
  Expression value;
  double result = 0;
  std::string error_message;
  long long error_position = 0, created_at = 0, started_at = 0, finished_at = 0;
  soci::indicator result_null = soci::i_null, error_message_null = soci::i_null,
                  error_position_null = soci::i_null, started_null = soci::i_null,
                  finished_null = soci::i_null;
};

std::vector<Expression> query(soci::session& session, const std::string& where,
                              const std::vector<std::string>& texts, int limit = 1) {
  ExpressionRow row;
  soci::statement statement(session);
  std::string sql = std::string(kColumns) + where;
  statement.alloc();
  statement.prepare(sql);
  row.bind(statement);
  auto parameters = texts;  // bound by reference until execution ends
  for (auto& text : parameters) statement.exchange(soci::use(text));
  statement.define_and_bind();
  std::vector<Expression> found;
  statement.execute(false);
  while (static_cast<int>(found.size()) < limit && statement.fetch()) found.push_back(row.get());
  return found;
}

std::optional<Expression> first(std::vector<Expression> rows) {
  if (rows.empty()) return std::nullopt;
  return std::move(rows.front());
}

long long affected(soci::statement& statement) {
  statement.execute(true);
  return statement.get_affected_rows();
}

}  // namespace

ExpressionStore::ExpressionStore(orchestra::db::Database& database) : database_(database) {}

std::pair<Expression, bool> ExpressionStore::insert(
    const Expression& e, const std::function<void(soci::session&)>& also) {
  soci::session session(database_.pool());
  soci::transaction transaction(session);
  soci::indicator result_null = e.result ? soci::i_ok : soci::i_null;
  soci::indicator finished_null = e.eval_finished_at ? soci::i_ok : soci::i_null;
  double result = e.result.value_or(0);
  long long created = e.created_at, finished = e.eval_finished_at.value_or(0);
  soci::statement statement =
      (session.prepare << "INSERT INTO calculator_expressions (id, user_id, req_uid, expression, "
                          "status, result, operations_total, operations_done, created_at, "
                          "eval_started_at, eval_finished_at) VALUES (:id, :user, :req, :text, "
                          ":status, :result, :total, :done, :created, :started, :finished) "
                          "ON CONFLICT (user_id, req_uid) DO NOTHING",
       soci::use(e.id), soci::use(e.user_id), soci::use(e.req_uid), soci::use(e.text),
       soci::use(e.status), soci::use(result, result_null), soci::use(e.operations_total),
       soci::use(e.operations_done), soci::use(created), soci::use(finished, finished_null),
       soci::use(finished, finished_null));
  if (affected(statement) == 0) {
    transaction.rollback();
    auto existing = find_request(e.user_id, e.req_uid);
    if (!existing) throw std::runtime_error("the expression vanished while being resubmitted");
    return {*existing, false};
  }
  if (also) also(session);
  transaction.commit();
  return {e, true};
}

std::optional<Expression> ExpressionStore::find(const std::string& id) {
  soci::session session(database_.pool());
  return first(query(session, "WHERE id = :id", {id}));
}

std::optional<Expression> ExpressionStore::find_request(const std::string& user_id,
                                                        const std::string& req_uid) {
  soci::session session(database_.pool());
  return first(query(session, "WHERE user_id = :user AND req_uid = :req", {user_id, req_uid}));
}

std::vector<Expression> ExpressionStore::list(const std::string& user_id,
                                              const std::optional<std::string>& status,
                                              const std::optional<std::string>& cursor,
                                              int limit) {
  soci::session session(database_.pool());
  std::string where = "WHERE user_id = :user";
  std::vector<std::string> texts{user_id};
  if (status) {
    where += " AND status = :status";
    texts.push_back(*status);
  }
  if (cursor) {
    where += " AND id < :cursor";
    texts.push_back(*cursor);
  }
  return query(session, where + " ORDER BY id DESC LIMIT " + std::to_string(limit), texts, limit);
}

void ExpressionStore::mark_started(const std::string& id) {
  soci::session session(database_.pool());
  long long now = orchestra::unix_ms();
  session << "UPDATE calculator_expressions SET status = 'in_progress', eval_started_at = :now "
             "WHERE id = :id AND status = 'pending'",
      soci::use(now), soci::use(id);
}

std::set<int> ExpressionStore::finished_operations(const std::string& id) {
  soci::session session(database_.pool());
  std::set<int> done;
  soci::rowset<int> rows = (session.prepare << "SELECT operation FROM calculator_operations "
                                               "WHERE expression_id = :id",
                            soci::use(id));
  for (int operation : rows) done.insert(operation);
  return done;
}

bool ExpressionStore::operation_done(const std::string& id, int operation, const Finish& finish) {
  soci::session session(database_.pool());
  long long now = orchestra::unix_ms();
  soci::transaction transaction(session);
  soci::statement insert =
      (session.prepare << "INSERT INTO calculator_operations (expression_id, operation, "
                          "finished_at) VALUES (:id, :operation, :now) ON CONFLICT DO NOTHING",
       soci::use(id), soci::use(operation), soci::use(now));
  if (affected(insert) > 0) {
    session << "UPDATE calculator_expressions SET operations_done = operations_done + 1 "
               "WHERE id = :id",
        soci::use(id);
  }
  long long finished = 0;
  if (finish.kind == Finish::Kind::ok) {
    soci::statement update =
        (session.prepare << "UPDATE calculator_expressions SET status = 'ok', result = :result, "
                            "eval_finished_at = :now WHERE id = :id AND status IN ('pending', "
                            "'in_progress')",
         soci::use(finish.result), soci::use(now), soci::use(id));
    finished = affected(update);
  } else if (finish.kind == Finish::Kind::error) {
    long long position = finish.position;
    soci::statement update =
        (session.prepare << "UPDATE calculator_expressions SET status = 'error', error_message = "
                            ":message, error_position = :position, eval_finished_at = :now "
                            "WHERE id = :id AND status IN ('pending', 'in_progress')",
         soci::use(finish.message), soci::use(position), soci::use(now), soci::use(id));
    finished = affected(update);
  }
  transaction.commit();
  return finished > 0;
}

std::map<std::string, int> ExpressionStore::durations() {
  soci::session session(database_.pool());
  std::map<std::string, int> out;
  soci::rowset<soci::row> rows = session.prepare << "SELECT operator, milliseconds FROM calculator_durations";
  for (const auto& row : rows) {
    auto type = row.get_properties(1).get_data_type();
    long long ms = type == soci::dt_long_long ? row.get<long long>(1)
                   : type == soci::dt_double  ? static_cast<long long>(row.get<double>(1))
                                              : row.get<int>(1);
    out[row.get<std::string>(0)] = static_cast<int>(ms);
  }
  return out;
}

void ExpressionStore::set_durations(const std::map<std::string, int>& durations) {
  soci::session session(database_.pool());
  soci::transaction transaction(session);
  for (const auto& [op, ms] : durations) {
    session << "UPDATE calculator_durations SET milliseconds = :ms WHERE operator = :op",
        soci::use(ms), soci::use(op);
  }
  transaction.commit();
}

void ExpressionStore::heartbeat(const Agent& agent) {
  soci::session session(database_.pool());
  long long created = agent.created_at, seen = agent.last_heartbeat_at;
  session << "INSERT INTO calculator_agents (name, computing_power, running, created_at, last_heartbeat_at) "
             "VALUES (:name, :computing_power, :running, :created, :seen) ON CONFLICT (name) DO UPDATE SET "
             "computing_power = excluded.computing_power, running = excluded.running, "
             "last_heartbeat_at = excluded.last_heartbeat_at",
      soci::use(agent.name), soci::use(agent.computing_power), soci::use(agent.running), soci::use(created),
      soci::use(seen);
}

std::vector<Agent> ExpressionStore::agents() {
  soci::session session(database_.pool());
  Agent agent;
  long long created = 0, seen = 0;
  soci::statement statement =
      (session.prepare << "SELECT name, computing_power, running, created_at, last_heartbeat_at "
                          "FROM calculator_agents ORDER BY name",
       soci::into(agent.name), soci::into(agent.computing_power), soci::into(agent.running),
       soci::into(created), soci::into(seen));
  statement.execute(false);
  std::vector<Agent> out;
  while (statement.fetch()) {
    agent.created_at = created;
    agent.last_heartbeat_at = seen;
    out.push_back(agent);
  }
  return out;
}

std::size_t ExpressionStore::purge(std::int64_t before) {
  soci::session session(database_.pool());
  long long cutoff = before;
  soci::statement operations =
      (session.prepare << "DELETE FROM calculator_operations WHERE finished_at < :before",
       soci::use(cutoff));
  auto removed = affected(operations);
  session << "DELETE FROM calculator_agents WHERE last_heartbeat_at < :before", soci::use(cutoff);
  return static_cast<std::size_t>(removed);
}

}  // namespace calculator
