#include "in_progress.hpp"

namespace calculator {
namespace {

constexpr auto kForgetAfter = std::chrono::seconds(1);

}  // namespace

void InProgress::add(const std::string& task_id, std::chrono::milliseconds duration) {
  std::lock_guard lock(mutex_);
  until_[task_id] = std::chrono::steady_clock::now() + duration + kForgetAfter;
}

void InProgress::remove(const std::string& task_id) {
  std::lock_guard lock(mutex_);
  until_.erase(task_id);
}

int InProgress::count() {
  std::lock_guard lock(mutex_);
  auto now = std::chrono::steady_clock::now();
  std::erase_if(until_, [now](const auto& entry) { return entry.second < now; });
  return static_cast<int>(until_.size());
}

}  // namespace calculator
