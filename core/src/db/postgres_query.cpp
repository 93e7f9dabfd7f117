#include "db/postgres_query.hpp"

#include <soci/postgresql/soci-postgresql.h>

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string_view>

namespace orchestra::db {
namespace {

using Result = std::unique_ptr<PGresult, void (*)(PGresult*)>;

bool ok(const Result& result) {
  auto status = PQresultStatus(result.get());
  return status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK;
}

bool failed_with(const Result& result, std::string_view sqlstate) {
  const char* code = PQresultErrorField(result.get(), PG_DIAG_SQLSTATE);
  return code != nullptr && code == sqlstate;
}

void throw_unless_ok(const Result& result, PGconn* connection) {
  if (ok(result)) return;
  // No result at all (a lost connection): the reason is the connection's.
  std::string error = result ? PQresultErrorMessage(result.get()) : PQerrorMessage(connection);
  while (!error.empty() && error.back() == '\n') error.pop_back();
  throw soci::soci_error(error);
}

constexpr std::string_view kNoSuchStatement = "26000";   // invalid_sql_statement_name
constexpr std::string_view kStatementExists = "42P05";   // duplicate_prepared_statement

// Which statements each connection has prepared. A connection is known by
// its address and its server process: a reconnect (a new process, maybe at
// a freed address) starts with none. Should both repeat (a restarted
// server numbering its processes alike), the server's "no such statement"
// corrects the record. The hot statements are a handful of fixed texts, so
// the names and the sets stay small.
class PreparedStatements {
 public:
  // The statement's name, and whether `connection` still has to prepare it.
  std::pair<std::string, bool> lookup(PGconn* connection, const std::string& sql) {
    std::lock_guard lock(mutex_);
    auto named = names_.try_emplace(sql, "orchestra_" + std::to_string(names_.size())).first;
    auto& known = connections_[connection];
    auto process = PQbackendPID(connection);
    if (known.process != process) known = {process, {}};
    return {named->second, !known.names.contains(named->second)};
  }

  void prepared(PGconn* connection, const std::string& name) {
    std::lock_guard lock(mutex_);
    connections_[connection].names.insert(name);
  }

  // After the server said a statement it was thought to have is not there.
  void forget(PGconn* connection) {
    std::lock_guard lock(mutex_);
    connections_[connection].names.clear();
  }

 private:
  struct Connection {
    int process = 0;
    std::set<std::string> names;
  };
  std::mutex mutex_;
  std::map<std::string, std::string> names_;
  std::map<PGconn*, Connection> connections_;
};

PreparedStatements& prepared_statements() {
  static PreparedStatements statements;
  return statements;
}

}  // namespace

std::vector<PostgresRow> query_postgres(soci::session& session, const std::string& sql,
                                        const std::vector<std::string>& parameters) {
  // A session whose reconnect failed has no backend until the pool heals it.
  auto* backend = static_cast<soci::postgresql_session_backend*>(session.get_backend());
  if (backend == nullptr) throw soci::soci_error("Session is not connected.");
  auto* connection = backend->conn_;
  auto count = static_cast<int>(parameters.size());
  auto [name, unprepared] = prepared_statements().lookup(connection, sql);
  auto prepare = [&] {
    Result prepared(PQprepare(connection, name.c_str(), sql.c_str(), count, nullptr), PQclear);
    if (!failed_with(prepared, kStatementExists)) throw_unless_ok(prepared, connection);
    prepared_statements().prepared(connection, name);
  };
  if (unprepared) prepare();
  std::vector<const char*> values;
  values.reserve(parameters.size());
  for (const auto& parameter : parameters) values.push_back(parameter.c_str());
  auto execute = [&] {
    return Result(
        PQexecPrepared(connection, name.c_str(), count, values.data(), nullptr, nullptr, 0),
        PQclear);
  };
  auto result = execute();
  if (failed_with(result, kNoSuchStatement)) {
    prepared_statements().forget(connection);
    // Inside a transaction the failure has aborted it: the caller's retry
    // prepares afresh. Outside one, prepare and run it now.
    if (PQtransactionStatus(connection) == PQTRANS_IDLE) {
      prepare();
      result = execute();
    }
  }
  throw_unless_ok(result, connection);
  std::vector<PostgresRow> rows(static_cast<std::size_t>(PQntuples(result.get())));
  auto columns = PQnfields(result.get());
  for (std::size_t row = 0; row < rows.size(); ++row) {
    for (int column = 0; column < columns; ++column) {
      auto r = static_cast<int>(row);
      if (PQgetisnull(result.get(), r, column)) {
        rows[row].emplace_back();
      } else {
        rows[row].emplace_back(std::string(PQgetvalue(result.get(), r, column),
                                           PQgetlength(result.get(), r, column)));
      }
    }
  }
  return rows;
}

}  // namespace orchestra::db
