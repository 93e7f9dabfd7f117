#pragma once

#include <string>

namespace orchestra::tasks {

// A UUIDv7 (RFC 9562): 48-bit Unix milliseconds then random bits, so ids
// sort by creation time. Monotonic within a process.
std::string new_task_id();

}  // namespace orchestra::tasks
