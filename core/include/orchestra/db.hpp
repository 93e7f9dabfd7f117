#pragma once
// Pooled database sessions over SOCI. One URL chooses the engine:
// sqlite:///relative/path.db, sqlite:////absolute/path.db or
// postgresql://user@host:port/dbname.

#include <boost/config.hpp>

#include <soci/soci.h>

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

}  // namespace orchestra::db
