#include "db/postgres_query.hpp"

#include <soci/postgresql/soci-postgresql.h>

#include <memory>
#include <stdexcept>

namespace orchestra::db {

std::vector<PostgresRow> query_postgres(soci::session& session, const std::string& sql,
                                        const std::vector<std::string>& parameters) {
  // A session whose reconnect failed has no backend until the pool heals it.
  auto* backend = static_cast<soci::postgresql_session_backend*>(session.get_backend());
  if (backend == nullptr) throw soci::soci_error("Session is not connected.");
  std::vector<const char*> values;
  values.reserve(parameters.size());
  for (const auto& parameter : parameters) values.push_back(parameter.c_str());
  std::unique_ptr<PGresult, void (*)(PGresult*)> result(
      PQexecParams(backend->conn_, sql.c_str(), static_cast<int>(values.size()), nullptr,
                   values.data(), nullptr, nullptr, 0),
      PQclear);
  auto status = PQresultStatus(result.get());
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
    std::string error = PQresultErrorMessage(result.get());
    while (!error.empty() && error.back() == '\n') error.pop_back();
    throw soci::soci_error(error);
  }
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
