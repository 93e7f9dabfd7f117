#pragma once
// One statement on a pooled session's PostgreSQL connection in a single
// round trip (PQexecParams): SOCI prepares, executes and deallocates a
// rowset in three, which is what hot paths like task claims cannot afford.

#include <soci/soci.h>

#include <optional>
#include <string>
#include <vector>

namespace orchestra::db {

using PostgresRow = std::vector<std::optional<std::string>>;

// `sql` uses $1, $2, ... for `parameters` (all sent as text). Throws
// std::runtime_error with PostgreSQL's message.
std::vector<PostgresRow> query_postgres(soci::session& session, const std::string& sql,
                                        const std::vector<std::string>& parameters);

}  // namespace orchestra::db
