#include "http/router.hpp"

#include "http/url.hpp"

#include <fmt/format.h>

#include <stdexcept>

namespace orchestra::http {

void RouteMetrics::observe(int status, double seconds) {
  if (status < 0 || status >= kStatuses) status = 0;
  auto* histogram = by_status_[status].load(std::memory_order_acquire);
  if (histogram == nullptr) {
    std::lock_guard lock(mutex_);
    histogram = by_status_[status].load(std::memory_order_relaxed);
    if (histogram == nullptr) {
      histogram = &storage_.emplace_back();
      by_status_[status].store(histogram, std::memory_order_release);
    }
  }
  histogram->observe(seconds);
}

void RouteMetrics::render(std::string& out, const std::string& labels,
                          bool histograms) const {
  for (int status = 0; status < kStatuses; ++status) {
    auto* histogram = by_status_[status].load(std::memory_order_acquire);
    if (histogram == nullptr) continue;
    auto full = fmt::format("{},status=\"{}\"", labels, status);
    if (histograms) {
      histogram->render(out, "orchestra_http_request_duration_seconds", full);
    } else {
      out += fmt::format("orchestra_http_requests_total{{{}}} {}\n", full,
                         histogram->count());
    }
  }
}

std::vector<Router::Segment> Router::parse_template(const std::string& path_template) {
  if (path_template.empty() || path_template.front() != '/') {
    throw std::invalid_argument("route '" + path_template + "' must start with '/'");
  }
  std::vector<Segment> segments;
  std::size_t start = 1;
  while (start <= path_template.size()) {
    auto slash = path_template.find('/', start);
    auto text = path_template.substr(start, slash == std::string::npos ? std::string::npos
                                                                        : slash - start);
    bool parameter = text.size() > 2 && text.front() == '{' && text.back() == '}';
    if (parameter) text = text.substr(1, text.size() - 2);
    if (text.find_first_of("{}") != std::string::npos ||
        (text.empty() && slash != std::string::npos)) {
      throw std::invalid_argument("route '" + path_template + "' has a malformed segment");
    }
    segments.push_back({std::move(text), parameter});
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return segments;
}

void Router::add(Method method, const std::string& path_template, Handler handler,
                 RouteOptions options, const std::string& owner) {
  auto segments = parse_template(path_template);
  Pattern* pattern = nullptr;
  for (auto& existing : patterns_) {
    if (existing.path_template == path_template) pattern = &existing;
  }
  if (pattern == nullptr) {
    pattern = &patterns_.emplace_back(Pattern{path_template, std::move(segments), {}});
  }
  if (pattern->methods.contains(method)) {
    throw std::invalid_argument(fmt::format("route {} {} is declared twice",
                                            method_name(method), path_template));
  }
  std::shared_ptr<const RouteSchemas> schemas;
  try {
    schemas = std::make_shared<const RouteSchemas>(options);
  } catch (const std::invalid_argument& error) {
    throw std::invalid_argument(
        fmt::format("route {} {}: {}", method_name(method), path_template, error.what()));
  }
  auto& target = targets_.emplace_back();
  target.schemas = std::move(schemas);
  target.method = method;
  target.path_template = path_template;
  target.owner = owner;
  target.handler = std::move(handler);
  target.options = std::move(options);
  pattern->methods[method] = &target;
}

bool Router::matches(const Pattern& pattern, const std::vector<std::string>& segments,
                     std::map<std::string, std::string>* params) {
  if (pattern.segments.size() != segments.size()) return false;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const auto& expected = pattern.segments[i];
    if (expected.parameter) {
      if (segments[i].empty()) return false;
      if (params != nullptr) (*params)[expected.text] = segments[i];
    } else if (expected.text != segments[i]) {
      return false;
    }
  }
  return true;
}

Match Router::match(Method method, std::string_view raw_path) const {
  Match result;
  if (raw_path.empty() || raw_path.front() != '/') {
    result.kind = Match::Kind::bad_path;
    return result;
  }
  std::vector<std::string> segments;
  std::size_t start = 1;
  while (true) {
    auto slash = raw_path.find('/', start);
    auto decoded = percent_decode(raw_path.substr(start, slash - start), false);
    if (!decoded) {
      result.kind = Match::Kind::bad_path;
      return result;
    }
    segments.push_back(std::move(*decoded));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  // Literal segments beat parameters: try the pattern with the most
  // literal segments first among those that match.
  const Pattern* best = nullptr;
  std::size_t best_literals = 0;
  for (const auto& pattern : patterns_) {
    if (!matches(pattern, segments, nullptr)) continue;
    std::size_t literals = 0;
    for (const auto& segment : pattern.segments) literals += segment.parameter ? 0 : 1;
    if (best == nullptr || literals > best_literals) {
      best = &pattern;
      best_literals = literals;
    }
  }
  if (best == nullptr) return result;
  auto lookup = method == Method::head && !best->methods.contains(Method::head)
                    ? Method::get
                    : method;
  if (auto it = best->methods.find(lookup); it != best->methods.end()) {
    result.kind = Match::Kind::found;
    result.target = it->second;
    matches(*best, segments, &result.params);
    return result;
  }
  result.kind = Match::Kind::method_not_allowed;
  for (const auto& [allowed, target] : best->methods) {
    if (!result.allow.empty()) result.allow += ", ";
    result.allow += method_name(allowed);
    if (allowed == Method::get && !best->methods.contains(Method::head)) {
      result.allow += ", HEAD";
    }
  }
  return result;
}

}  // namespace orchestra::http
