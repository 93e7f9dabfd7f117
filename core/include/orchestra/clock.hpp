#pragma once
// Wall-clock time as tables, task records and JSON keep it: Unix
// milliseconds.

#include <cstdint>

namespace orchestra {

std::int64_t unix_ms();

}  // namespace orchestra
