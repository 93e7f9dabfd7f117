#include <orchestra/sql_query.hpp>

#include <fmt/format.h>

namespace orchestra::db {

SqlQuery& SqlQuery::text(const std::string& name, std::string value) {
  texts_[name] = std::move(value);
  return *this;
}

SqlQuery& SqlQuery::integer(const std::string& name, std::int64_t value) {
  integers_[name] = value;
  return *this;
}

SqlQuery& SqlQuery::texts_in(const std::string& prefix, const std::vector<std::string>& values) {
  for (std::size_t i = 0; i < values.size(); ++i) {
    auto name = fmt::format("{}{}", prefix, i);
    sql_ += fmt::format("{}:{}", i ? ", " : "", name);
    texts_[name] = values[i];
  }
  return *this;
}

SqlQuery& SqlQuery::integers_in(const std::string& prefix,
                                const std::vector<std::int64_t>& values) {
  for (std::size_t i = 0; i < values.size(); ++i) {
    auto name = fmt::format("{}{}", prefix, i);
    sql_ += fmt::format("{}:{}", i ? ", " : "", name);
    integers_[name] = values[i];
  }
  return *this;
}

SqlQuery& SqlQuery::append(const std::string& sql) {
  sql_ += sql;
  return *this;
}

void SqlQuery::prepare(soci::statement& statement) {
  statement.alloc();
  statement.prepare(sql_);
  for (auto& [name, value] : integers_) statement.exchange(soci::use(value, name));
  for (auto& [name, value] : texts_) statement.exchange(soci::use(value, name));
}

void SqlQuery::each(soci::session& session, const std::function<void(const soci::row&)>& row) {
  soci::row current;
  soci::statement statement(session);
  prepare(statement);
  statement.exchange(soci::into(current));
  statement.define_and_bind();
  statement.execute(false);
  while (statement.fetch()) row(current);
}

long long SqlQuery::execute(soci::session& session) {
  soci::statement statement(session);
  prepare(statement);
  statement.define_and_bind();
  statement.execute(true);
  return statement.get_affected_rows();
}

}  // namespace orchestra::db
