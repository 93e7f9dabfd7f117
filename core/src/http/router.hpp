#pragma once
// Method + path-template routing. Routes are added during set-up, before
// the server starts, and only read afterwards, so matching takes no lock.

#include "metrics/registry.hpp"

#include "http/route_schemas.hpp"

#include <orchestra/http.hpp>

#include <array>
#include <atomic>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace orchestra::http {

// Latency histograms of one route, one per response status.
class RouteMetrics {
 public:
  void observe(int status, double seconds);
  // The counter lines (`histograms` false) or the histogram lines; the
  // text format wants each metric family's lines together.
  void render(std::string& out, const std::string& labels, bool histograms) const;

 private:
  static constexpr int kStatuses = 600;
  std::array<std::atomic<metrics::Histogram*>, kStatuses> by_status_{};
  mutable std::mutex mutex_;
  std::deque<metrics::Histogram> storage_;
};

struct RouteTarget {
  Method method;
  std::string path_template;
  std::string owner;  // "core" or the plugin's name
  Handler handler;
  RouteOptions options;
  std::shared_ptr<const RouteSchemas> schemas;  // compiled from options
  mutable RouteMetrics metrics;
};

struct Match {
  enum class Kind { found, not_found, method_not_allowed, bad_path };
  Kind kind = Kind::not_found;
  const RouteTarget* target = nullptr;
  std::map<std::string, std::string> params;
  std::string allow;  // for method_not_allowed: "GET, HEAD, POST"
};

class Router {
 public:
  // Throws std::invalid_argument on a malformed template or a duplicate.
  void add(Method method, const std::string& path_template, Handler handler,
           RouteOptions options, const std::string& owner);
  // `raw_path` is the path part of the target, still percent-encoded.
  Match match(Method method, std::string_view raw_path) const;
  const std::deque<RouteTarget>& targets() const { return targets_; }

 private:
  struct Segment {
    std::string text;
    bool parameter = false;
  };
  struct Pattern {
    std::string path_template;
    std::vector<Segment> segments;
    std::map<Method, const RouteTarget*> methods;
  };

  static std::vector<Segment> parse_template(const std::string& path_template);
  static bool matches(const Pattern& pattern, const std::vector<std::string>& segments,
                      std::map<std::string, std::string>* params);

  std::deque<RouteTarget> targets_;
  std::vector<Pattern> patterns_;
};

}  // namespace orchestra::http
