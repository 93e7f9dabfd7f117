#include <orchestra/db.hpp>

namespace orchestra::db {

std::int64_t int_at(const soci::row& row, std::size_t index) {
  switch (row.get_properties(index).get_data_type()) {
    case soci::dt_integer: return row.get<int>(index);
    case soci::dt_long_long: return row.get<long long>(index);
    case soci::dt_unsigned_long_long:
      return static_cast<std::int64_t>(row.get<unsigned long long>(index));
    case soci::dt_double: return static_cast<std::int64_t>(row.get<double>(index));
    default: return std::stoll(row.get<std::string>(index));
  }
}

std::optional<std::int64_t> optional_int_at(const soci::row& row, std::size_t index) {
  if (row.get_indicator(index) == soci::i_null) return std::nullopt;
  return int_at(row, index);
}

double double_at(const soci::row& row, std::size_t index) {
  switch (row.get_properties(index).get_data_type()) {
    case soci::dt_double: return row.get<double>(index);
    case soci::dt_string: return std::stod(row.get<std::string>(index));
    default: return static_cast<double>(int_at(row, index));
  }
}

std::string text_at(const soci::row& row, std::size_t index) {
  if (row.get_indicator(index) == soci::i_null) return {};
  return row.get<std::string>(index);
}

std::optional<std::string> optional_text_at(const soci::row& row, std::size_t index) {
  if (row.get_indicator(index) == soci::i_null) return std::nullopt;
  return row.get<std::string>(index);
}

long long affected_rows(soci::statement& statement) {
  statement.execute(true);
  return statement.get_affected_rows();
}

}  // namespace orchestra::db
