#include "app_fetcher.hpp"

#include <orchestra/clock.hpp>
#include <fmt/format.h>
#include <spdlog/logger.h>

#include <algorithm>

namespace steam_sync {

AppFetcher::AppFetcher(AppStore& store, int price_batch, std::chrono::milliseconds lease_timeout,
                       orchestra::tasks::TaskContext& context, FetchProgress progress)
    : store_(store),
      price_batch_(price_batch),
      lease_timeout_(lease_timeout),
      context_(context),
      progress_(std::move(progress)) {}

bool AppFetcher::keep_alive() {
  renew_leases();
  return context_.cancelled();
}

void AppFetcher::lease_first(const FetchRequest& request, std::int64_t created_at) {
  auto now = orchestra::unix_ms();
  auto until = now + lease_timeout_.count();
  auto leased = store_.lease(request.app_ids, token_, now, until);
  if (request.lease.empty() && leased.size() < request.app_ids.size()) {
    // Queued by hand: apps waiting in a scheduled batch are fetched now,
    // and that batch skips them when it starts.
    std::set<std::int64_t> mine(leased.begin(), leased.end());
    std::vector<std::int64_t> held;
    for (auto id : request.app_ids) {
      if (mine.count(id) == 0) held.push_back(id);
    }
    auto taken = store_.take_over(held, token_, now, until);
    leased.insert(leased.end(), taken.begin(), taken.end());
  }
  progress_.outcome.held_elsewhere = static_cast<int>(request.app_ids.size() - leased.size());
  auto fresh = store_.updated_since(leased, created_at);
  store_.release(fresh, token_);
  progress_.outcome.already_fresh = static_cast<int>(fresh.size());
  owned_.insert(leased.begin(), leased.end());
  for (auto id : fresh) owned_.erase(id);
}

// After a wait: the apps still held before it, less those another fetch took.
void AppFetcher::lease_again() {
  auto now = orchestra::unix_ms();
  auto leased = store_.lease(progress_.apps, token_, now, now + lease_timeout_.count());
  progress_.outcome.lease_lost += static_cast<int>(progress_.apps.size() - leased.size());
  owned_.insert(leased.begin(), leased.end());
}

FetchOutcome AppFetcher::run(SteamApi& api, const FetchRequest& request,
                             std::int64_t created_at) {
  token_ = request.lease.empty() ? context_.id() : request.lease;
  if (context_.resumed()) {
    lease_again();
  } else {
    lease_first(request, created_at);
  }
  lease_renewed_at_ = orchestra::unix_ms();
  std::vector<std::int64_t> order(owned_.begin(), owned_.end());
  try {
    secondary_prices(api, request.countries);
    for (std::size_t i = 0; i < order.size(); ++i) {
      if (keep_alive()) throw SteamStopped("the fetch was stopped");
      if (owned_.count(order[i]) == 0) {
        ++progress_.outcome.lease_lost;
        continue;
      }
      fetch_one(api, order[i], request.countries.front());
      context_.progress(static_cast<double>(i + 1) / static_cast<double>(order.size()),
                        fmt::format("{} of {} apps", i + 1, order.size()));
    }
  } catch (const SteamWait& wait) {
    if (context_.cancelled()) {
      store_.release({owned_.begin(), owned_.end()}, token_);
      throw SteamStopped("the fetch was stopped");
    }
    // The apps stay leased (renewed when the task resumes).
    progress_.apps.assign(owned_.begin(), owned_.end());
    progress_.attempt = wait.attempt();
    throw;
  } catch (...) {
    // Stopped, or failed for this attempt: the apps not stored yet go back
    // to the pool now rather than after the lease timeout.
    store_.release({owned_.begin(), owned_.end()}, token_);
    throw;
  }
  return progress_.outcome;
}

// Each price request once, also across waits: those made before a wait are
// skipped after it, and the batches stay those of the first run even when
// apps were lost meanwhile.
void AppFetcher::secondary_prices(SteamApi& api, const std::vector<std::string>& countries) {
  if (countries.size() < 2) return;
  if (progress_.price_requests_done == 0) progress_.priced_apps.assign(owned_.begin(), owned_.end());
  const auto& ids = progress_.priced_apps;
  int request = 0;
  for (std::size_t c = 1; c < countries.size(); ++c) {
    for (std::size_t start = 0; start < ids.size(); start += price_batch_, ++request) {
      if (request < progress_.price_requests_done) continue;
      if (keep_alive()) throw SteamStopped("the fetch was stopped");
      auto end = std::min(ids.size(), start + static_cast<std::size_t>(price_batch_));
      std::vector<std::int64_t> batch(ids.begin() + static_cast<std::ptrdiff_t>(start),
                                      ids.begin() + static_cast<std::ptrdiff_t>(end));
      // Apps the answer leaves out keep the price stored before.
      for (auto& [id, price] : api.prices(batch, countries[c])) {
        progress_.prices[id][countries[c]] = price;
      }
      progress_.price_requests_done = request + 1;
    }
  }
}

void AppFetcher::fetch_one(SteamApi& api, std::int64_t id, const std::string& country) {
  auto& outcome = progress_.outcome;
  FetchedApp app;
  app.id = id;
  try {
    app.details = api.details(id, country);
  } catch (const SteamError& error) {
    if (error.retryable()) throw;
    context_.log().warn("app {}: {}; marked as an error", id, error.what());
    if (store_.store_failed(id, error.what(), token_, orchestra::unix_ms())) ++outcome.failed;
    owned_.erase(id);
    progress_.prices.erase(id);
    return;
  }
  app.prices = std::move(progress_.prices[id]);
  progress_.prices.erase(id);
  if (app.details) app.prices[country] = app.details->price;
  owned_.erase(id);
  if (!store_.store_fetched(app, token_, orchestra::unix_ms())) {
    ++outcome.lease_lost;
    context_.log().warn("app {}: lease lost to another fetch; its data was not stored", id);
    return;
  }
  ++(app.details ? outcome.fetched : outcome.unavailable);
}

void AppFetcher::renew_leases() {
  auto now = orchestra::unix_ms();
  if (now - lease_renewed_at_ < lease_timeout_.count() / 3 || owned_.empty()) return;
  auto kept = store_.renew({owned_.begin(), owned_.end()}, token_, now + lease_timeout_.count());
  lease_renewed_at_ = now;
  std::set<std::int64_t> still(kept.begin(), kept.end());
  for (auto it = owned_.begin(); it != owned_.end();) {
    it = still.count(*it) ? std::next(it) : owned_.erase(it);
  }
}

}  // namespace steam_sync
