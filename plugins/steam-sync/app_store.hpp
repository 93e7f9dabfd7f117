#pragma once
// The steam-sync tables: the app list, fetched details, prices per country
// and the leases that keep two fetches off one app. Database errors throw
// (soci::soci_error).

#include "steam_data.hpp"

#include <orchestra/clock.hpp>
#include <orchestra/db.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace steam_sync {

struct StoredPrice {
  std::string country;
  Price price;
  std::int64_t fetched_at = 0;
};

struct AppRecord {
  std::int64_t id = 0;
  std::string name;
  std::int64_t last_updated = 0;
  std::string fetch_status;  // never, ok, unavailable, error
  AppDetails details;        // empty until fetched
  std::optional<std::int64_t> details_fetched_at;
  std::vector<StoredPrice> prices;
};

struct AppQuery {
  std::optional<std::int64_t> updated_since;  // last_updated >= this
  std::optional<std::string> type;
  std::int64_t after = 0;  // cursor: app ids above this
  int limit = 100;
};

struct CatalogueStats {
  std::int64_t total = 0;
  std::int64_t never_fetched = 0;
  std::int64_t fetched_last_day = 0;
  std::int64_t unavailable = 0;
  std::int64_t leased = 0;
  std::optional<std::int64_t> oldest_last_updated;
};

// A fetched app: its details (nullopt: Steam said success:false) and its
// price in each country asked (nullopt: free or not sold there).
struct FetchedApp {
  std::int64_t id = 0;
  std::optional<AppDetails> details;
  std::map<std::string, std::optional<Price>> prices;
};


class AppStore {
 public:
  // Called inside the transaction that stored a fetched app, with the app
  // as stored (for the change feed).
  using OnStored = std::function<void(soci::session&, const AppRecord&)>;
  explicit AppStore(orchestra::db::Database& database, OnStored on_stored = {});

  // Adds the apps not known yet (never deletes any) and refreshes names;
  // returns how many were new.
  std::int64_t add_listed(const std::vector<ListedApp>& apps, std::int64_t now);
  // Those of `ids` that are in the table.
  std::vector<std::int64_t> known(const std::vector<std::int64_t>& ids);

  // Leases up to `count` unleased apps last updated before `stale_before`,
  // oldest first, under `token` until `until`.
  std::vector<std::int64_t> lease_stalest(int count, std::int64_t stale_before,
                                          const std::string& token, std::int64_t now,
                                          std::int64_t until);
  // Takes (or renews) the lease of those of `ids` that are free or already
  // held under `token`, for a fetch that is starting; returns them.
  std::vector<std::int64_t> lease(const std::vector<std::int64_t>& ids, const std::string& token,
                                  std::int64_t now, std::int64_t until);
  // Takes over those of `ids` leased by a fetch that has not started yet
  // (a scheduled batch still queued), for a fetch queued by hand.
  std::vector<std::int64_t> take_over(const std::vector<std::int64_t>& ids,
                                      const std::string& token, std::int64_t now,
                                      std::int64_t until);
  // Extends the leases `token` still holds among `ids`; returns those.
  std::vector<std::int64_t> renew(const std::vector<std::int64_t>& ids, const std::string& token,
                                  std::int64_t until);
  void release(const std::vector<std::int64_t>& ids, const std::string& token);
  // Those of `ids` updated at or after `since`.
  std::vector<std::int64_t> updated_since(const std::vector<std::int64_t>& ids,
                                          std::int64_t since);

  // Stores one fetch in one transaction, sets last_updated = now and ends
  // the lease; false (nothing stored) when `token` no longer holds it.
  bool store_fetched(const FetchedApp& app, const std::string& token, std::int64_t now);
  // Marks an app whose answer cannot be used (fetch_status `error`, the
  // reason in data_problems), updated now so it waits its turn again.
  bool store_failed(std::int64_t id, const std::string& reason, const std::string& token,
                    std::int64_t now);

  std::optional<AppRecord> find(std::int64_t id);
  std::vector<AppRecord> list(const AppQuery& query);
  CatalogueStats stats(std::int64_t now);

 private:
  orchestra::db::Database& database_;
  OnStored on_stored_;
};

}  // namespace steam_sync
