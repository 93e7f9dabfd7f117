#pragma once
// What Steam's answers mean, parsed from their JSON. Steam's data is not
// always well-typed: a field of an unexpected type is left empty and named
// in `problems`, never fatal. An answer that is not the expected JSON at
// all (truncated, an HTML error page) throws SteamFormatError.

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace steam_sync {

class SteamFormatError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ListedApp {
  std::int64_t id = 0;
  std::string name;
};

struct AppListPage {
  std::vector<ListedApp> apps;
  // The last_appid to ask for the next page; nullopt on the last page.
  std::optional<std::int64_t> next_after;
  std::size_t skipped = 0;  // entries without a positive integer appid
};

// Prices in the currency's minor unit (cents).
struct Price {
  std::string currency;
  std::int64_t initial = 0;
  std::int64_t final_price = 0;
  std::int64_t discount_percent = 0;
};

struct AppDetails {
  std::optional<std::string> name;
  std::optional<std::string> type;
  std::optional<bool> is_free;
  std::optional<std::string> short_description;
  std::vector<std::string> developers;
  std::vector<std::string> publishers;
  std::vector<std::string> genres;
  std::vector<std::string> categories;
  std::optional<std::string> release_date;  // as Steam writes it, "21 Aug, 2012"
  std::optional<bool> coming_soon;
  std::vector<std::string> platforms;  // "windows", "mac", "linux"
  std::optional<Price> price;          // in the requested country
  std::vector<std::string> problems;   // fields ignored for their type
};

// One app's appdetails answer: nullopt when Steam says success:false.
std::optional<AppDetails> parse_app_details(std::string_view body, std::int64_t app_id);

// A bulk price answer (filters=price_overview): for every app Steam
// answered with success, its price (nullopt: free or not sold there).
// Apps missing from the answer or with success:false are left out.
std::map<std::int64_t, std::optional<Price>> parse_prices(std::string_view body);

// IStoreService/GetAppList/v1 and the legacy ISteamApps/GetAppList/v2.
AppListPage parse_store_app_list(std::string_view body);
AppListPage parse_legacy_app_list(std::string_view body);

}  // namespace steam_sync
