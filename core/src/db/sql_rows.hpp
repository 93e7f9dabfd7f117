#pragma once
// Reading SOCI dynamic rows whose column types differ between SQLite
// (declared types, or none for expressions) and PostgreSQL.

#include <soci/soci.h>

#include <cstdint>
#include <optional>
#include <string>

namespace orchestra::db {

std::int64_t int_at(const soci::row& row, std::size_t index);
std::optional<std::int64_t> optional_int_at(const soci::row& row, std::size_t index);
double double_at(const soci::row& row, std::size_t index);
std::string text_at(const soci::row& row, std::size_t index);
std::optional<std::string> optional_text_at(const soci::row& row, std::size_t index);

// Executes a prepared write statement; the number of rows it changed.
long long affected_rows(soci::statement& statement);

}  // namespace orchestra::db
