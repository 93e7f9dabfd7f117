#pragma once
// One statement on a pooled session's PostgreSQL connection in a single
// round trip: SOCI prepares, executes and deallocates a rowset in three,
// which is what hot paths like task claims cannot afford. Each connection
// prepares a text once and then only executes it, so PostgreSQL does not
// parse and plan it again on every call.

#include <soci/soci.h>

#include <optional>
#include <string>
#include <vector>

namespace orchestra::db {

using PostgresRow = std::vector<std::optional<std::string>>;

// `sql` uses $1, $2, ... for `parameters` (all sent as text); it must be
// one of a fixed set of texts, values going only in parameters, as every
// distinct text stays prepared on each connection. Throws
// std::runtime_error with PostgreSQL's message.
std::vector<PostgresRow> query_postgres(soci::session& session, const std::string& sql,
                                        const std::vector<std::string>& parameters);

}  // namespace orchestra::db
