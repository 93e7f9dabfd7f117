#pragma once
// The JSON the read routes answer with.

#include "app_store.hpp"

#include <orchestra/http_client.hpp>

#include <optional>
#include <string>

namespace steam_sync {

std::string app_json(const AppRecord& app);
// The change feed source of fetched apps, each published as app_json.
inline constexpr const char* kAppsSource = "steam-sync.apps";
// `budget`: the store host's rate limit, when one is configured.
std::string stats_json(const CatalogueStats& stats,
                       const std::optional<orchestra::http::HostBudget>& budget);

}  // namespace steam_sync
