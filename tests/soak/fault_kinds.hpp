#pragma once
// The names of the faults the soak injects, as the table prints them.

namespace soak::fault {

inline constexpr const char* kWorkerKill = "worker SIGKILL";
inline constexpr const char* kWorkerPause = "worker SIGSTOP past lease";
inline constexpr const char* kApiKill = "api SIGKILL";
inline constexpr const char* kRedisRestart = "Redis SIGKILL + restart";
inline constexpr const char* kPostgresRestart = "PostgreSQL SIGKILL + restart";

}  // namespace soak::fault
