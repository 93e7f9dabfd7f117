#pragma once
// The payload of steam-sync.fetch_apps: which apps, in which countries
// (the first gets full details, the others prices only), and the lease the
// scheduler took for them, if it did.

#include <cstdint>
#include <string>
#include <vector>

namespace steam_sync {

struct FetchRequest {
  std::vector<std::int64_t> app_ids;
  std::vector<std::string> countries;
  std::string lease;  // empty: the task leases the apps under its own id
};

std::string to_payload(const FetchRequest& request);
// Throws std::invalid_argument naming the field.
FetchRequest from_payload(const std::string& payload);

}  // namespace steam_sync
