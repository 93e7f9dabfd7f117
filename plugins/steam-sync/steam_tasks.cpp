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

}  // namespace

SteamTasks::SteamTasks(orchestra::Host& host, AppStore& store, const Settings& settings)
    : host_(host), store_(store), settings_(settings) {}

SteamApi SteamTasks::api(orchestra::tasks::TaskContext& context) {
  return SteamApi(host_.http_client(), settings_.endpoints, settings_.retry,
                  [&context] { return context.cancelled(); }, host_.log());
}

std::string SteamTasks::refresh_app_list(orchestra::tasks::TaskContext& context) {
  return failing_clearly([&] {
    auto steam = api(context);
    auto list = steam.app_list();
    context.progress(0.5, fmt::format("{} apps listed; storing", list.apps.size()));
    auto added = store_.add_listed(list.apps, orchestra::unix_ms());
    return fmt::format(R"({{"listed":{},"new":{},"skipped":{}}})", list.apps.size(), added,
                       list.skipped);
  });
}

orchestra::tasks::Step SteamTasks::fetch_apps(orchestra::tasks::TaskContext& context) {
  FetchRequest request;
  FetchProgress progress;
  try {
    request = from_payload(context.payload());
    progress = FetchProgress::from_state(context.state());
  } catch (const std::invalid_argument& error) {
    throw PermanentError(std::string("malformed fetch_apps task: ") + error.what());
  }
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
      return orchestra::tasks::Step::wait_for(wait.delay(), fetcher.progress().to_state());
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
