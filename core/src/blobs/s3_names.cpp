#include "blobs/s3_names.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace orchestra::blobs {

bool valid_bucket(std::string_view bucket) {
  return bucket.size() >= 3 && bucket.size() <= 63 &&
         std::all_of(bucket.begin(), bucket.end(), [](unsigned char c) {
           return std::islower(c) || std::isdigit(c) || c == '-' || c == '.';
         });
}

bool has_dot_segment(std::string_view key) {
  while (true) {
    auto slash = key.find('/');
    auto segment = key.substr(0, slash);
    if (segment == "." || segment == "..") return true;
    if (slash == std::string_view::npos) return false;
    key.remove_prefix(slash + 1);
  }
}

std::optional<std::string> allowed_entry_problem(const std::string& entry) {
  auto bucket = entry.substr(0, entry.find('/'));
  if (!valid_bucket(bucket)) {
    return fmt::format("'{}' does not start with a valid bucket name (bucket or bucket/prefix)", entry);
  }
  if (entry.size() > bucket.size() && has_dot_segment(entry.substr(bucket.size() + 1))) {
    return fmt::format("'{}': '.' and '..' are not allowed in prefixes", entry);
  }
  return std::nullopt;
}

}  // namespace orchestra::blobs
