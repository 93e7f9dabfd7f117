#pragma once
// The calculator's tables: expressions, finished operations, operator
// durations and agents. Database errors throw (soci::soci_error).

#include <orchestra/clock.hpp>
#include <orchestra/db.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <optional>
#include <string>
#include <vector>

namespace calculator {

struct Expression {
  std::string id;
  std::string user_id;
  std::string req_uid;
  std::string text;
  std::string status = "pending";  // pending, in_progress, ok, error
  std::optional<double> result;
  std::optional<std::string> error_message;
  std::optional<std::int64_t> error_position;
  int operations_total = 0;
  int operations_done = 0;
  std::int64_t created_at = 0;
  std::optional<std::int64_t> eval_started_at;
  std::optional<std::int64_t> eval_finished_at;

  bool finished() const { return status == "ok" || status == "error"; }
};

struct Agent {
  std::string name;
  int computing_power = 0;
  int running = 0;
  std::int64_t created_at = 0;
  std::int64_t last_heartbeat_at = 0;
};

// How an operation ends its expression, if it does.
struct Finish {
  enum class Kind { none, ok, error };
  Kind kind = Kind::none;
  double result = 0;
  std::string message;
  std::int64_t position = 0;
};


class ExpressionStore {
 public:
  explicit ExpressionStore(orchestra::db::Database& database);

  // Inserts `expression` unless its user already has one with the same
  // req_uid; returns the stored one and whether it was inserted.
  // `also` runs in the inserting transaction after a successful insert
  // (transactional enqueue).
  std::pair<Expression, bool> insert(const Expression& expression,
                                     const std::function<void(soci::session&)>& also = {});
  std::optional<Expression> find(const std::string& id);
  std::optional<Expression> find_request(const std::string& user_id, const std::string& req_uid);
  // The user's expressions, newest first, after `cursor` (an id).
  std::vector<Expression> list(const std::string& user_id, const std::optional<std::string>& status,
                               const std::optional<std::string>& cursor, int limit);

  // pending -> in_progress, once.
  void mark_started(const std::string& id);
  // Counts operation `operation` done once, however often it runs, and in
  // the same transaction applies `finish` to the expression unless it is
  // finished already. True when this call finished the expression.
  bool operation_done(const std::string& id, int operation, const Finish& finish = {});
  // The operations of expression `id` that finished, by index.
  std::set<int> finished_operations(const std::string& id);

  std::map<std::string, int> durations();
  void set_durations(const std::map<std::string, int>& durations);

  void heartbeat(const Agent& agent);
  std::vector<Agent> agents();

  // Deletes finished operations' rows and agents not seen since `before`.
  std::size_t purge(std::int64_t before);

 private:
  orchestra::db::Database& database_;
};

}  // namespace calculator
