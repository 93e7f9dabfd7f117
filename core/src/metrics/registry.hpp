#pragma once
// Prometheus text exposition. Components register collectors that append
// their own metric families; the registry concatenates them on scrape.

#include <orchestra/metrics.hpp>

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

namespace orchestra::metrics {

// Latency histogram with fixed buckets (seconds); lock-free to observe.
class Histogram {
 public:
  static constexpr std::array<double, 14> kBounds{
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

  void observe(double seconds);
  // Appends name_bucket/_sum/_count lines; `labels` is `a="x",b="y"`.
  void render(std::string& out, const std::string& name, const std::string& labels) const;
  std::uint64_t count() const { return count_.load(std::memory_order_relaxed); }

 private:
  std::array<std::atomic<std::uint64_t>, kBounds.size()> buckets_{};
  std::atomic<std::uint64_t> count_{0};
  std::atomic<std::uint64_t> sum_nanos_{0};
};

// Escapes a label value for the text format.
std::string label_value(std::string_view value);

class Registry final : public Metrics {
 public:
  void add(Collector collector);
  CollectorHandle collect(Collector collector) override;
  std::string render() const;

 protected:
  void remove(std::uint64_t id) override;

 private:
  mutable std::mutex mutex_;
  std::uint64_t next_id_ = 1;
  std::vector<std::pair<std::uint64_t, Collector>> collectors_;
};

}  // namespace orchestra::metrics
