#pragma once
// A plugin's own metrics on /metrics (Prometheus text). A collector appends
// whole metric families (# HELP, # TYPE and samples) on every scrape, on
// the scraping thread; names start with orchestra_<plugin>_.

#include <boost/config.hpp>

#include <cstdint>
#include <functional>
#include <string>

namespace orchestra::metrics {

using Collector = std::function<void(std::string& out)>;

class Metrics;

// Removes its collector when destroyed (before the plugin's code goes),
// waiting for a scrape that is running it; never destroy one inside its
// own collector.
class BOOST_SYMBOL_VISIBLE CollectorHandle {
 public:
  CollectorHandle() = default;
  CollectorHandle(Metrics* metrics, std::uint64_t id) : metrics_(metrics), id_(id) {}
  CollectorHandle(CollectorHandle&& other) noexcept;
  CollectorHandle& operator=(CollectorHandle&& other) noexcept;
  CollectorHandle(const CollectorHandle&) = delete;
  CollectorHandle& operator=(const CollectorHandle&) = delete;
  ~CollectorHandle();

 private:
  Metrics* metrics_ = nullptr;
  std::uint64_t id_ = 0;
};

class BOOST_SYMBOL_VISIBLE Metrics {
 public:
  virtual ~Metrics() = default;
  [[nodiscard]] virtual CollectorHandle collect(Collector collector) = 0;

 protected:
  friend class CollectorHandle;
  virtual void remove(std::uint64_t id) = 0;
};

}  // namespace orchestra::metrics
