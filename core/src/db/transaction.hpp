#pragma once
// A write transaction that takes the write lock up front (SQLite: BEGIN
// IMMEDIATE, so two writers never deadlock upgrading read locks) and rolls
// back unless committed.

#include "db/connection_pool.hpp"

namespace orchestra::db {

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
