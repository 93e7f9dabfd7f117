#include "metrics/registry.hpp"

#include <utility>

#include <fmt/format.h>

namespace orchestra::metrics {

void Histogram::observe(double seconds) {
  for (std::size_t i = 0; i < kBounds.size(); ++i) {
    if (seconds <= kBounds[i]) {
      buckets_[i].fetch_add(1, std::memory_order_relaxed);
      break;
    }
  }
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_nanos_.fetch_add(static_cast<std::uint64_t>(seconds * 1e9), std::memory_order_relaxed);
}

void Histogram::render(std::string& out, const std::string& name,
                       const std::string& labels) const {
  const auto separator = labels.empty() ? "" : ",";
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < kBounds.size(); ++i) {
    cumulative += buckets_[i].load(std::memory_order_relaxed);
    out += fmt::format("{}_bucket{{{}{}le=\"{}\"}} {}\n", name, labels, separator,
                       kBounds[i], cumulative);
  }
  auto total = count_.load(std::memory_order_relaxed);
  out += fmt::format("{}_bucket{{{}{}le=\"+Inf\"}} {}\n", name, labels, separator, total);
  out += fmt::format("{}_sum{{{}}} {}\n", name, labels,
                     static_cast<double>(sum_nanos_.load(std::memory_order_relaxed)) / 1e9);
  out += fmt::format("{}_count{{{}}} {}\n", name, labels, total);
}

std::string label_value(std::string_view value) {
  std::string escaped;
  for (char c : value) {
    if (c == '\\' || c == '"') escaped += '\\';
    if (c == '\n') {
      escaped += "\\n";
      continue;
    }
    escaped += c;
  }
  return escaped;
}

void Registry::add(Collector collector) {
  std::lock_guard lock(mutex_);
  collectors_.emplace_back(next_id_++, std::move(collector));
}

CollectorHandle Registry::collect(Collector collector) {
  std::lock_guard lock(mutex_);
  auto id = next_id_++;
  collectors_.emplace_back(id, std::move(collector));
  return CollectorHandle(this, id);
}

// Under the lock render() holds while collecting, so a collector never
// runs after its handle is gone.
void Registry::remove(std::uint64_t id) {
  std::lock_guard lock(mutex_);
  std::erase_if(collectors_, [id](const auto& entry) { return entry.first == id; });
}

std::string Registry::render() const {
  std::lock_guard lock(mutex_);
  std::string out;
  for (const auto& [id, collector] : collectors_) collector(out);
  return out;
}

CollectorHandle::CollectorHandle(CollectorHandle&& other) noexcept
    : metrics_(std::exchange(other.metrics_, nullptr)), id_(other.id_) {}

CollectorHandle& CollectorHandle::operator=(CollectorHandle&& other) noexcept {
  if (this != &other) {
    if (metrics_ != nullptr) metrics_->remove(id_);
    metrics_ = std::exchange(other.metrics_, nullptr);
    id_ = other.id_;
  }
  return *this;
}

CollectorHandle::~CollectorHandle() {
  if (metrics_ != nullptr) metrics_->remove(id_);
}

}  // namespace orchestra::metrics
