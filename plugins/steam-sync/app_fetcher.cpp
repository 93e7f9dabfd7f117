#include "app_fetcher.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

namespace steam_sync {

std::string FetchOutcome::to_json() const {
  return fmt::format(
      R"({{"fetched":{},"unavailable":{},"held_elsewhere":{},"already_fresh":{},)"
      R"("lease_lost":{}}})",
      fetched, unavailable, held_elsewhere, already_fresh, lease_lost);
}

AppFetcher::AppFetcher(AppStore& store, SteamApi& api, int price_batch,
                       std::chrono::milliseconds lease_timeout,
                       orchestra::tasks::TaskContext& context)
    : store_(store),
      api_(api),
      price_batch_(price_batch),
      lease_timeout_(lease_timeout),
      context_(context) {}

FetchOutcome AppFetcher::run(const FetchRequest& request, std::int64_t created_at) {
  token_ = request.lease.empty() ? context_.id() : request.lease;
  FetchOutcome outcome;
  auto now = now_ms();
  auto owned = store_.lease(request.app_ids, token_, now, now + lease_timeout_.count());
  lease_renewed_at_ = now;
  outcome.held_elsewhere = static_cast<int>(request.app_ids.size() - owned.size());
  auto fresh = store_.updated_since(owned, created_at);
  if (!fresh.empty()) {
    store_.release(fresh, token_);
    std::set<std::int64_t> done(fresh.begin(), fresh.end());
    std::erase_if(owned, [&](std::int64_t id) { return done.count(id) > 0; });
    outcome.already_fresh = static_cast<int>(done.size());
  }
  try {
    auto prices = secondary_prices(owned, request.countries);
    for (std::size_t i = 0; i < owned.size(); ++i) {
      check_cancelled();
      renew_lease({owned.begin() + static_cast<std::ptrdiff_t>(i), owned.end()});
      fetch_one(owned[i], request.countries.front(), prices, outcome);
      context_.progress(static_cast<double>(i + 1) / static_cast<double>(owned.size()),
                        fmt::format("{} of {} apps", i + 1, owned.size()));
    }
  } catch (const SteamStopped&) {
    // Stopped, not failed: the apps not stored yet go back to the pool now
    // rather than after the lease timeout.
    store_.release(owned, token_);
    throw;
  }
  return outcome;
}

AppFetcher::Prices AppFetcher::secondary_prices(const std::vector<std::int64_t>& ids,
                                                const std::vector<std::string>& countries) {
  Prices prices;
  for (std::size_t c = 1; c < countries.size(); ++c) {
    for (std::size_t start = 0; start < ids.size(); start += price_batch_) {
      check_cancelled();
      renew_lease(ids);
      auto end = std::min(ids.size(), start + static_cast<std::size_t>(price_batch_));
      std::vector<std::int64_t> batch(ids.begin() + static_cast<std::ptrdiff_t>(start),
                                      ids.begin() + static_cast<std::ptrdiff_t>(end));
      auto answer = api_.prices(batch, countries[c]);
      for (auto id : batch) {
        auto found = answer.find(id);
        prices[id][countries[c]] = found == answer.end() ? std::nullopt : found->second;
      }
    }
  }
  return prices;
}

void AppFetcher::fetch_one(std::int64_t id, const std::string& country, Prices& prices,
                           FetchOutcome& outcome) {
  FetchedApp app;
  app.id = id;
  app.details = api_.details(id, country);
  app.prices = std::move(prices[id]);
  if (app.details) app.prices[country] = app.details->price;
  if (!store_.store_fetched(app, token_, now_ms())) {
    ++outcome.lease_lost;
    context_.log().warn("app {}: lease lost to another fetch; its data was not stored", id);
    return;
  }
  ++(app.details ? outcome.fetched : outcome.unavailable);
}

void AppFetcher::renew_lease(const std::vector<std::int64_t>& remaining) {
  auto now = now_ms();
  if (now - lease_renewed_at_ < lease_timeout_.count() / 3) return;
  store_.lease(remaining, token_, now, now + lease_timeout_.count());
  lease_renewed_at_ = now;
}

void AppFetcher::check_cancelled() {
  if (context_.cancelled()) throw SteamStopped("the fetch was stopped");
}

}  // namespace steam_sync
