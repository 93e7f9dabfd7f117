#pragma once
// One SQL statement with named parameters bound by value, for queries
// whose WHERE clause is assembled from optional filters. Parameter values
// are always bound, never spliced into the text.

#include <boost/config.hpp>
#include <soci/soci.h>

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace orchestra::db {

class BOOST_SYMBOL_VISIBLE SqlQuery {
 public:
  explicit SqlQuery(std::string sql) : sql_(std::move(sql)) {}
  SqlQuery& text(const std::string& name, std::string value);
  SqlQuery& integer(const std::string& name, std::int64_t value);
  // Appends ":<prefix>0, :<prefix>1, ..." bound to `values`, for IN (...).
  SqlQuery& texts_in(const std::string& prefix, const std::vector<std::string>& values);
  SqlQuery& integers_in(const std::string& prefix, const std::vector<std::int64_t>& values);
  SqlQuery& append(const std::string& sql);

  void each(soci::session& session, const std::function<void(const soci::row&)>& row);
  // For writes: the number of rows changed.
  long long execute(soci::session& session);

 private:
  void prepare(soci::statement& statement);

  std::string sql_;
  // std::map keeps every value at one address while bound.
  std::map<std::string, std::string> texts_;
  std::map<std::string, long long> integers_;
};

}  // namespace orchestra::db
