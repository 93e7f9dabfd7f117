#pragma once
// The SOCI connection pool behind Host::db(): every session is opened and
// configured up front (SQLite: WAL, busy timeout, foreign keys), so a
// misconfigured URL fails at start, not on the first request. On
// PostgreSQL, sessions whose server went away (a restart, a failover, a
// terminated backend) are reconnected in the background while idle, so
// the pool recovers without a restart of the process.

#include "db/url.hpp"

#include <orchestra/db.hpp>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <stop_token>
#include <thread>
#include <memory>
#include <optional>
#include <string>

namespace orchestra::db {

class ConnectionPool final : public Database {
 public:
  // Throws std::runtime_error naming the database when a connection fails.
  ConnectionPool(const Target& target, int size, std::chrono::milliseconds busy_timeout);
  ~ConnectionPool() override;
  soci::connection_pool& pool() override { return pool_; }
  Dialect dialect() const override { return target_.dialect; }
  const Target& target() const { return target_; }

  // A round trip to the database; the error text when it fails or when no
  // session frees up within `wait`.
  std::optional<std::string> ping(std::chrono::milliseconds wait);

 private:
  // SQLite: checkpoints the WAL in the background, so no commit on a
  // request or claim path pays for copying it into the database file.
  void checkpoint_loop(std::stop_token stop);
  // PostgreSQL: reconnects idle sessions whose connection broke.
  void heal_loop(std::stop_token stop);
  void heal_idle_sessions();
  void configure(soci::session& session);

  Target target_;
  std::size_t size_;
  soci::connection_pool pool_;
  std::mutex stop_mutex_;
  std::condition_variable_any stop_;
  std::chrono::milliseconds busy_timeout_;
  std::jthread maintainer_;  // last: stops before the pool goes
};

// Runs a multi-statement SQL script on `session` (SOCI runs one statement
// at a time; migrations hold many). Throws soci::soci_error.
void execute_script(soci::session& session, Dialect dialect, const std::string& script);

}  // namespace orchestra::db
