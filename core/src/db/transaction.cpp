#include "db/connection_pool.hpp"

#include <orchestra/db.hpp>

namespace orchestra::db {

WriteTransaction::WriteTransaction(soci::session& session, Dialect dialect)
    : session_(session), dialect_(dialect) {
  execute_script(session_, dialect_, dialect_ == Dialect::sqlite ? "BEGIN IMMEDIATE" : "BEGIN");
}

WriteTransaction::~WriteTransaction() {
  if (!open_) return;
  try {
    execute_script(session_, dialect_, "ROLLBACK");
  } catch (const std::exception&) {
  }
}

void WriteTransaction::commit() {
  execute_script(session_, dialect_, "COMMIT");
  open_ = false;
}

}  // namespace orchestra::db
