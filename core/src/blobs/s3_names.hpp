#pragma once
// The rules for s3:// names that hold before any request is made: bucket
// names, keys without "." or ".." segments, and blobs.s3.allowed entries.

#include <optional>
#include <string>
#include <string_view>

namespace orchestra::blobs {

// 3 to 63 characters of a-z, 0-9, '-' and '.'.
bool valid_bucket(std::string_view bucket);
// Servers and proxies in front of S3 may resolve "a/../b" as a path, which
// would walk out of an allowed prefix.
bool has_dot_segment(std::string_view key);
// Why `entry` cannot be a blobs.s3.allowed entry ("bucket" or
// "bucket/prefix"); nullopt when it can.
std::optional<std::string> allowed_entry_problem(const std::string& entry);

}  // namespace orchestra::blobs
