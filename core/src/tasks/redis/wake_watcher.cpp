#include "tasks/redis/wake_watcher.hpp"

namespace orchestra::tasks::redis {

WakeWatcher::WakeWatcher(RedisTarget target, std::string channel, std::function<void()> wake)
    : listener_(std::move(target), std::move(channel), [wake](std::string_view) { wake(); },
                wake) {}

}  // namespace orchestra::tasks::redis
