// db::query_postgres on a real PostgreSQL: each connection prepares a text
// once and then only executes it; a connection that replaced one which had
// prepared it (a reconnect) prepares it again.

#include "db/connection_pool.hpp"
#include "db/postgres_query.hpp"
#include "db/url.hpp"
#include "support/db_helpers.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <thread>

using namespace orchestra::db;
using orchestra::testing::postgres_url;

namespace {

constexpr const char* kSquare = "SELECT CAST($1 AS integer) * CAST($1 AS integer), $2";

int prepared_count(soci::session& session) {
  int count = 0;
  session << "SELECT COUNT(*) FROM pg_prepared_statements WHERE statement LIKE 'SELECT CAST($1%'",
      soci::into(count);
  return count;
}

}  // namespace

TEST_CASE("PostgreSQL queries: a text is prepared once per connection and runs with new values") {
  ConnectionPool pool(parse_database_url(postgres_url(), 5), 1, std::chrono::milliseconds(5000));
  soci::session session(pool.pool());
  for (int i = 1; i <= 3; ++i) {
    auto rows = query_postgres(session, kSquare, {std::to_string(i), "text " + std::to_string(i)});
    REQUIRE(rows.size() == 1);
    CHECK(*rows[0][0] == std::to_string(i * i));
    CHECK(*rows[0][1] == "text " + std::to_string(i));
  }
  CHECK(prepared_count(session) == 1);
}

TEST_CASE("PostgreSQL queries: after a reconnect the text is prepared again on the new connection") {
  ConnectionPool pool(parse_database_url(postgres_url(), 5), 1, std::chrono::milliseconds(5000));
  int old_backend = 0;
  {
    soci::session session(pool.pool());
    CHECK(*query_postgres(session, kSquare, {"4", "before"})[0][0] == "16");
    session << "SELECT pg_backend_pid()", soci::into(old_backend);
  }
  {
    ConnectionPool admin(parse_database_url(postgres_url(), 5), 1, std::chrono::milliseconds(5000));
    soci::session session(admin.pool());
    int ended = 0;
    session << "SELECT pg_terminate_backend(:pid)::int", soci::use(old_backend), soci::into(ended);
    REQUIRE(ended == 1);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  soci::session session(pool.pool());
  int new_backend = 0;
  session << "SELECT pg_backend_pid()", soci::into(new_backend);
  REQUIRE(new_backend != old_backend);
  CHECK(*query_postgres(session, kSquare, {"5", "after"})[0][0] == "25");
  CHECK(prepared_count(session) == 1);
}

TEST_CASE("PostgreSQL queries: a failing statement throws PostgreSQL's message, and the next runs") {
  ConnectionPool pool(parse_database_url(postgres_url(), 5), 1, std::chrono::milliseconds(5000));
  soci::session session(pool.pool());
  CHECK_THROWS_WITH_AS(query_postgres(session, kSquare, {"not a number", "x"}),
                       doctest::Contains("invalid input syntax for type integer"),
                       soci::soci_error);
  CHECK_THROWS_WITH_AS(query_postgres(session, "SELECT no_such_column", {}),
                       doctest::Contains("no_such_column"), soci::soci_error);
  CHECK(*query_postgres(session, kSquare, {"6", "still"})[0][0] == "36");
}

TEST_CASE("PostgreSQL queries: statements the server no longer has are prepared again") {
  ConnectionPool pool(parse_database_url(postgres_url(), 5), 1, std::chrono::milliseconds(5000));
  soci::session session(pool.pool());
  CHECK(*query_postgres(session, kSquare, {"7", "before"})[0][0] == "49");
  // As a connection pooler or a DISCARD would leave it: the statement is
  // gone while this process still counts it as prepared.
  session << "DEALLOCATE ALL";
  CHECK(*query_postgres(session, kSquare, {"8", "outside a transaction"})[0][0] == "64");

  session << "DEALLOCATE ALL";
  session << "BEGIN";
  // Inside a transaction the failure aborts it; the next call prepares.
  CHECK_THROWS_WITH_AS(query_postgres(session, kSquare, {"9", "x"}),
                       doctest::Contains("does not exist"), soci::soci_error);
  session << "ROLLBACK";
  CHECK(*query_postgres(session, kSquare, {"9", "after the rollback"})[0][0] == "81");
  CHECK(prepared_count(session) == 1);
}
