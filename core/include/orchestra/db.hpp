#pragma once
// Pooled database sessions over SOCI. One URL chooses the engine:
// sqlite:///relative/path.db, sqlite:////absolute/path.db or
// postgresql://user@host:port/dbname.

#include <boost/config.hpp>

#include <soci/soci.h>

#include <cstdint>
#include <optional>
#include <string>

namespace orchestra::db {

enum class Dialect { sqlite, postgres };

class BOOST_SYMBOL_VISIBLE Database {
 public:
  virtual ~Database() = default;
  // Borrows a session from the pool for as long as the returned object
  // lives; blocks while every session is in use.
  virtual soci::connection_pool& pool() = 0;
  virtual Dialect dialect() const = 0;
};

// Reading SOCI dynamic rows whose column types differ between SQLite
// (declared types, or none for expressions) and PostgreSQL.
std::int64_t int_at(const soci::row& row, std::size_t index);
std::optional<std::int64_t> optional_int_at(const soci::row& row, std::size_t index);
double double_at(const soci::row& row, std::size_t index);
std::string text_at(const soci::row& row, std::size_t index);
std::optional<std::string> optional_text_at(const soci::row& row, std::size_t index);

// Executes a prepared write statement; the number of rows it changed.
long long affected_rows(soci::statement& statement);

// A write transaction that takes the write lock up front (SQLite: BEGIN
// IMMEDIATE, so two writers never deadlock upgrading read locks, which
// SQLite answers with SQLITE_BUSY at once) and rolls back unless committed.
class WriteTransaction {
 public:
  WriteTransaction(soci::session& session, Dialect dialect);
  ~WriteTransaction();
  WriteTransaction(const WriteTransaction&) = delete;
  WriteTransaction& operator=(const WriteTransaction&) = delete;
  void commit();

 private:
  soci::session& session_;
  Dialect dialect_;
  bool open_ = true;
};

}  // namespace orchestra::db
