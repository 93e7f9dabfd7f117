#include "db/connection_pool.hpp"

#include <soci/postgresql/soci-postgresql.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <string_view>
#include <thread>
#include <vector>

namespace orchestra::db {
namespace {

constexpr auto kCheckpointEvery = std::chrono::milliseconds(500);
constexpr auto kHealEvery = std::chrono::milliseconds(200);
constexpr auto kWalRetryMax = std::chrono::milliseconds(50);

// Switching a new file to WAL takes its lock without calling the busy
// handler, so processes opening one fresh file at once (api and worker
// started together) retry here, within the busy timeout.
void switch_to_wal(soci::session& session, std::chrono::milliseconds busy_timeout) {
  auto deadline = std::chrono::steady_clock::now() + busy_timeout;
  for (auto pause = std::chrono::milliseconds(1);; pause = std::min(pause * 2, kWalRetryMax)) {
    try {
      execute_script(session, Dialect::sqlite, "PRAGMA journal_mode=WAL;");
      return;
    } catch (const std::exception& error) {
      bool locked = std::string_view(error.what()).find("database is locked") !=
                    std::string_view::npos;
      if (!locked || std::chrono::steady_clock::now() >= deadline) throw;
      std::this_thread::sleep_for(pause);
    }
  }
}

void configure_sqlite(soci::session& session, std::chrono::milliseconds busy_timeout) {
  execute_script(session, Dialect::sqlite,
                 fmt::format("PRAGMA busy_timeout={};", busy_timeout.count()));
  switch_to_wal(session, busy_timeout);
  execute_script(session, Dialect::sqlite,
                 "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
                 "PRAGMA wal_autocheckpoint=0;");
}

std::string describe(const Target& target) {
  return target.dialect == Dialect::sqlite ? "SQLite file " + target.path
                                           : std::string("PostgreSQL");
}

}  // namespace

ConnectionPool::ConnectionPool(const Target& target, int size,
                               std::chrono::milliseconds busy_timeout)
    : target_(target),
      size_(static_cast<std::size_t>(size)),
      pool_(size_),
      busy_timeout_(busy_timeout) {
  if (target_.dialect == Dialect::sqlite) {
    auto parent = std::filesystem::path(target_.path).parent_path();
    std::error_code ignored;
    if (!parent.empty()) std::filesystem::create_directories(parent, ignored);
  }
  for (std::size_t i = 0; i < size_; ++i) {
    try {
      auto& session = pool_.at(i);
      session.open(target_.soci_backend, target_.connect_string);
      configure(session);
    } catch (const std::exception& error) {
      throw std::runtime_error(
          fmt::format("cannot open the database ({}): {}", describe(target_), error.what()));
    }
  }
  maintainer_ = target_.dialect == Dialect::sqlite
                    ? std::jthread([this](std::stop_token stop) { checkpoint_loop(stop); })
                    : std::jthread([this](std::stop_token stop) { heal_loop(stop); });
}

ConnectionPool::~ConnectionPool() {
  maintainer_.request_stop();
  stop_.notify_all();
}

void ConnectionPool::configure(soci::session& session) {
  if (target_.dialect == Dialect::sqlite) {
    configure_sqlite(session, busy_timeout_);
  } else {
    // libpq prints notices ("already exists, skipping") to stderr.
    execute_script(session, Dialect::postgres, "SET client_min_messages TO WARNING");
  }
}

void ConnectionPool::heal_loop(std::stop_token stop) {
  while (true) {
    {
      std::unique_lock lock(stop_mutex_);
      if (stop_.wait_for(lock, stop, kHealEvery, [] { return false; })) return;
      if (stop.stop_requested()) return;
    }
    heal_idle_sessions();
  }
}

void ConnectionPool::heal_idle_sessions() {
  // Every idle session at once (one at a time could lease the same one
  // again and again); the healthy ones go back at once, the broken ones
  // only once reconnected or given up on for this round.
  std::vector<std::size_t> idle, broken;
  std::size_t position = 0;
  while (idle.size() < size_ && pool_.try_lease(position, 0)) idle.push_back(position);
  for (auto leased : idle) {
    // A reconnect that failed leaves the session without a backend.
    auto* backend = static_cast<soci::postgresql_session_backend*>(pool_.at(leased).get_backend());
    // Reads what the server sent meanwhile without blocking: a closed
    // socket or a termination notice marks the connection bad.
    if (backend == nullptr || (PQconsumeInput(backend->conn_), PQstatus(backend->conn_) == CONNECTION_BAD)) {
      broken.push_back(leased);
    } else {
      pool_.give_back(leased);
    }
  }
  for (auto leased : broken) {
    try {
      pool_.at(leased).reconnect();
      configure(pool_.at(leased));
    } catch (const std::exception&) {
      // The server is still down: the next round tries again.
    }
    pool_.give_back(leased);
  }
}

void ConnectionPool::checkpoint_loop(std::stop_token stop) {
  while (true) {
    {
      std::unique_lock lock(stop_mutex_);
      if (stop_.wait_for(lock, stop, kCheckpointEvery, [] { return false; })) return;
      if (stop.stop_requested()) return;
    }
    std::size_t position = 0;
    if (!pool_.try_lease(position, 100)) continue;
    try {
      execute_script(pool_.at(position), Dialect::sqlite, "PRAGMA wal_checkpoint(PASSIVE)");
    } catch (const std::exception&) {
      // Busy or locked: the next round catches up.
    }
    pool_.give_back(position);
  }
}

std::optional<std::string> ConnectionPool::ping(std::chrono::milliseconds wait) {
  std::size_t position = 0;
  if (!pool_.try_lease(position, static_cast<int>(wait.count()))) {
    return "no database session became free in time";
  }
  std::optional<std::string> problem;
  try {
    int one = 0;
    pool_.at(position) << "SELECT 1", soci::into(one);
  } catch (const std::exception& error) {
    problem = error.what();
    try {
      pool_.at(position).reconnect();
    } catch (const std::exception&) {
    }
  }
  pool_.give_back(position);
  return problem;
}

void execute_script(soci::session& session, Dialect dialect, const std::string& script) {
  if (session.get_backend() == nullptr) throw soci::soci_error("Session is not connected.");
  if (dialect == Dialect::sqlite) {
    auto* backend = static_cast<soci::sqlite3_session_backend*>(session.get_backend());
    char* message = nullptr;
    if (sqlite_api::sqlite3_exec(backend->conn_, script.c_str(), nullptr, nullptr,
                                 &message) != SQLITE_OK) {
      std::string text = message != nullptr ? message : "unknown SQLite error";
      sqlite_api::sqlite3_free(message);
      throw soci::soci_error(text);
    }
    return;
  }
  auto* backend = static_cast<soci::postgresql_session_backend*>(session.get_backend());
  auto* result = PQexec(backend->conn_, script.c_str());
  auto status = PQresultStatus(result);
  std::string error = PQresultErrorMessage(result);
  PQclear(result);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    while (!error.empty() && error.back() == '\n') error.pop_back();
    throw soci::soci_error(error);
  }
}

}  // namespace orchestra::db
