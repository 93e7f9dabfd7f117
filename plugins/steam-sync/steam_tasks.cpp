#include "steam_tasks.hpp"

#include "app_fetcher.hpp"
#include "fetch_request.hpp"
#include "steam_routes.hpp"

#include <orchestra/clock.hpp>
#include <fmt/format.h>

namespace steam_sync {
namespace {

using orchestra::tasks::PermanentError;

// Steam errors that no retry can mend fail the task for good.
template <typename Work>
auto failing_clearly(Work work) {
  try {
    return work();
  } catch (const SteamError& error) {
    if (!error.retryable()) throw PermanentError(error.what());
    throw;
  }
}

// The progress a resumed task carried across its wait.
template <typename Progress>
Progress state_of(const orchestra::tasks::TaskContext& context) {
  try {
    return Progress::from_state(context.state());
  } catch (const std::invalid_argument& error) {
    throw PermanentError(error.what());
  }
}

// A wait for the rate limit or a retry's backoff, as the task's Step.
orchestra::tasks::Step waiting(orchestra::tasks::TaskContext& context, const SteamWait& wait,
                               std::string state) {
  context.log().debug("{}; waiting {} ms", wait.what(), wait.delay().count());
  return orchestra::tasks::Step::wait_for(wait.delay(), std::move(state));
}

}  // namespace

SteamTasks::SteamTasks(orchestra::Host& host, AppStore& store, const Settings& settings)
    : host_(host), store_(store), settings_(settings) {}

SteamApi SteamTasks::api(orchestra::tasks::TaskContext& context) {
  return SteamApi(host_.http_client(), settings_.endpoints, settings_.retry,
                  [&context] { return context.cancelled(); }, host_.log());
}

orchestra::tasks::Step SteamTasks::refresh_app_list(orchestra::tasks::TaskContext& context) {
  // Steam lists a few hundred thousand apps; a list that never ends is a
  // broken server, not a big catalogue.
  constexpr int kMaxPages = 10'000;
  auto progress = state_of<ListProgress>(context);
  return failing_clearly([&]() -> orchestra::tasks::Step {
    auto steam = api(context);
    steam.hand_back_waits(progress.attempt);
    try {
      for (;;) {
        if (progress.pages >= kMaxPages) {
          throw SteamError(fmt::format("the app list has more than {} pages", kMaxPages), false);
        }
        auto page = steam.app_list_page(progress.after);
        ++progress.pages;
        progress.listed += static_cast<std::int64_t>(page.apps.size());
        progress.skipped += static_cast<std::int64_t>(page.skipped);
        progress.added += store_.add_listed(page.apps, orchestra::unix_ms());
        context.progress(0, fmt::format("{} apps listed", progress.listed));
        if (!page.next_after || *page.next_after <= progress.after) break;
        progress.after = *page.next_after;
      }
    } catch (const SteamWait& wait) {
      progress.attempt = wait.attempt();
      return waiting(context, wait, progress.to_state());
    }
    return fmt::format(R"({{"listed":{},"new":{},"skipped":{}}})", progress.listed,
                       progress.added, progress.skipped);
  });
}

orchestra::tasks::Step SteamTasks::fetch_apps(orchestra::tasks::TaskContext& context) {
  FetchRequest request;
  try {
    request = from_payload(context.payload());
  } catch (const std::invalid_argument& error) {
    throw PermanentError(std::string("malformed fetch_apps payload: ") + error.what());
  }
  auto progress = state_of<FetchProgress>(context);
  std::int64_t created_at = orchestra::unix_ms();
  if (!context.resumed()) {
    if (auto status = host_.tasks().status(context.id())) created_at = status->created_at;
  }
  return failing_clearly([&]() -> orchestra::tasks::Step {
    AppFetcher fetcher(store_, settings_.price_batch, settings_.lease_timeout, context,
                       std::move(progress));
    SteamApi steam(host_.http_client(), settings_.endpoints, settings_.retry,
                   [&fetcher] { return fetcher.keep_alive(); }, host_.log());
    steam.hand_back_waits(fetcher.progress().attempt);
    try {
      return fetcher.run(steam, request, created_at).to_json();
    } catch (const SteamWait& wait) {
      return waiting(context, wait, fetcher.progress().to_state());
    }
  });
}

std::string SteamTasks::pick_stalest(orchestra::tasks::TaskContext& context) {
  auto counts = host_.tasks().counts(kFetchType);
  auto waiting = counts["queued"] + counts["retrying"] + counts["scheduled"];
  if (waiting >= settings_.max_pending) {
    return fmt::format(R"({{"leased":0,"tasks":0,"waiting":{}}})", waiting);
  }
  auto token = "pick:" + context.id();
  auto now = orchestra::unix_ms();
  auto leased = store_.lease_stalest(settings_.pick_size, now - settings_.min_age.count(), token,
                                     now, now + settings_.lease_timeout.count());
  std::vector<orchestra::tasks::NewTask> tasks;
  for (std::size_t start = 0; start < leased.size(); start += settings_.batch_size) {
    auto end = std::min(leased.size(), start + static_cast<std::size_t>(settings_.batch_size));
    orchestra::tasks::NewTask task;
    task.type = kFetchType;
    task.payload = to_payload({{leased.begin() + static_cast<std::ptrdiff_t>(start),
                                leased.begin() + static_cast<std::ptrdiff_t>(end)},
                               settings_.countries,
                               token});
    tasks.push_back(std::move(task));
  }
  auto task_count = tasks.size();
  try {
    if (!tasks.empty()) host_.tasks().enqueue_many(std::move(tasks));
  } catch (...) {
    store_.release(leased, token);
    throw;
  }
  return fmt::format(R"({{"leased":{},"tasks":{},"waiting":{}}})", leased.size(), task_count,
                     waiting);
}

}  // namespace steam_sync
