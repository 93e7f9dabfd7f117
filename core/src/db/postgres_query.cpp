#include "db/postgres_query.hpp"

#include <soci/postgresql/soci-postgresql.h>

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <stdexcept>

namespace orchestra::db {
namespace {

using Result = std::unique_ptr<PGresult, void (*)(PGresult*)>;

void throw_unless_ok(const Result& result) {
  auto status = PQresultStatus(result.get());
  if (status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK) return;
  std::string error = PQresultErrorMessage(result.get());
  while (!error.empty() && error.back() == '\n') error.pop_back();
  throw soci::soci_error(error);
}

// Which statements each connection has prepared. A connection is known by
// its address and its server process: a reconnect (a new process, maybe at
// a freed address) starts with none. The hot statements are a handful of
// fixed texts, so the names and the sets stay small.
class PreparedStatements {
 public:
  // The statement's name, and whether `connection` still has to prepare it.
  std::pair<std::string, bool> lookup(PGconn* connection, const std::string& sql) {
    std::lock_guard lock(mutex_);
    auto [named, added] = names_.try_emplace(sql, "orchestra_" + std::to_string(names_.size()));
    auto& known = connections_[connection];
    auto process = PQbackendPID(connection);
    if (known.process != process) known = {process, {}};
    return {named->second, !known.names.contains(named->second)};
  }

  void prepared(PGconn* connection, const std::string& name) {
    std::lock_guard lock(mutex_);
    connections_[connection].names.insert(name);
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
  if (unprepared) {
    throw_unless_ok(Result(PQprepare(connection, name.c_str(), sql.c_str(), count, nullptr),
                           PQclear));
    prepared_statements().prepared(connection, name);
  }
  std::vector<const char*> values;
  values.reserve(parameters.size());
  for (const auto& parameter : parameters) values.push_back(parameter.c_str());
  Result result(
      PQexecPrepared(connection, name.c_str(), count, values.data(), nullptr, nullptr, 0),
      PQclear);
  throw_unless_ok(result);
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
