// db::ConnectionPool on a real PostgreSQL: sessions whose server-side
// backend went away (as after a restart) are reconnected in the
// background, so the pool recovers without restarting the process.

#include "db/connection_pool.hpp"
#include "db/url.hpp"
#include "support/db_helpers.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

using namespace orchestra::db;

TEST_CASE("PostgreSQL: pooled sessions whose backends were terminated are reconnected while idle") {
  const char* url = orchestra::testing::postgres_url();
  constexpr int kSize = 3;
  ConnectionPool pool(parse_database_url(url, 5), kSize, std::chrono::milliseconds(5000));
  // Every session of the pool at once, each naming its server process.
  std::vector<int> backends;
  {
    std::vector<std::unique_ptr<soci::session>> sessions;
    for (int i = 0; i < kSize; ++i) {
      auto& session = *sessions.emplace_back(std::make_unique<soci::session>(pool.pool()));
      int pid = 0;
      session << "SELECT pg_backend_pid()", soci::into(pid);
      backends.push_back(pid);
    }
  }
  // What a server restart does to them: their backends end.
  {
    ConnectionPool admin(parse_database_url(url, 5), 1, std::chrono::milliseconds(5000));
    soci::session session(admin.pool());
    for (int pid : backends) {
      int ended = 0;
      session << "SELECT pg_terminate_backend(:pid)::int", soci::use(pid), soci::into(ended);
      REQUIRE(ended == 1);
    }
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  std::vector<std::unique_ptr<soci::session>> sessions;
  for (int i = 0; i < kSize; ++i) {
    auto& session = *sessions.emplace_back(std::make_unique<soci::session>(pool.pool()));
    int one = 0;
    CHECK_NOTHROW(session << "SELECT 1", soci::into(one));
    CHECK(one == 1);
  }
}

TEST_CASE("PostgreSQL: a session left without a connection by a failed reconnect fails cleanly and heals") {
  const char* url = orchestra::testing::postgres_url();
  ConnectionPool pool(parse_database_url(url, 5), 1, std::chrono::milliseconds(5000));
  {
    soci::session session(pool.pool());
    // As after a reconnect while the server was down: SOCI drops the backend.
    session.close();
    CHECK_THROWS_AS(execute_script(session, Dialect::postgres, "SELECT 1"), soci::soci_error);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  soci::session session(pool.pool());
  int one = 0;
  CHECK_NOTHROW(session << "SELECT 1", soci::into(one));
  CHECK(one == 1);
}
