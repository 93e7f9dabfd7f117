#include "http/dispatcher.hpp"

#include "http/url.hpp"
#include "log/logging.hpp"

#include <fmt/format.h>

#include <random>

namespace orchestra::http {

std::string generate_request_id() {
  thread_local std::mt19937_64 generator{std::random_device{}()};
  return fmt::format("{:016x}", generator());
}

Dispatcher::Dispatcher(const Router& router, bool access_log,
                       std::shared_ptr<spdlog::logger> log, TokenVerifier verify_token,
                       bool validate, OutageTest outage)
    : router_(router),
      access_log_(access_log),
      validate_(validate),
      log_(std::move(log)),
      verify_token_(std::move(verify_token)),
      outage_(std::move(outage)) {}

const RouteTarget* Dispatcher::route(Request& request, Response& early) const {
  std::string_view target = request.target;
  auto question = target.find('?');
  auto raw_path = target.substr(0, question);
  if (question != std::string_view::npos) {
    auto query = parse_query(target.substr(question + 1));
    if (!query) {
      early = Response::problem(400, "the query string has a malformed percent-escape");
      return nullptr;
    }
    request.query = std::move(*query);
  }
  auto match = router_.match(request.method, raw_path);
  switch (match.kind) {
    case Match::Kind::found:
      request.path = percent_decode(raw_path, false).value_or(std::string(raw_path));
      request.route = match.target->path_template;
      request.path_params = std::move(match.params);
      return match.target;
    case Match::Kind::bad_path:
      early = Response::problem(400, "the request path is malformed");
      return nullptr;
    case Match::Kind::method_not_allowed:
      early = Response::problem(
          405, fmt::format("{} is not allowed here; allowed: {}",
                           method_name(request.method), match.allow));
      early.headers.emplace_back("Allow", match.allow);
      return nullptr;
    case Match::Kind::not_found:
      break;
  }
  early = Response::problem(404, fmt::format("no route for {}", raw_path));
  return nullptr;
}

Response Dispatcher::invoke(const RouteTarget& target, Request& request) const {
  try {
    authorize(target.options.access, request, verify_token_);
    auto response = target.handler(request);
    if (validate_) check_contract(target, request, response);
    return response;
  } catch (const HttpError& error) {
    auto response = Response::problem(error.status(), error.detail(), error.title());
    response.headers.insert(response.headers.end(), error.headers.begin(),
                            error.headers.end());
    return response;
  } catch (const std::exception& error) {
    log_->error("[{}] {} {} failed (request {}): {}", target.owner,
                method_name(request.method), target.path_template, request.request_id,
                error.what());
    if (auto dependency = outage_ ? outage_(error) : std::nullopt) {
      auto response = Response::problem(
          503, fmt::format("{} is unavailable; retry shortly (request {})", *dependency,
                           request.request_id));
      response.headers.emplace_back("Retry-After", "1");
      return response;
    }
  } catch (...) {
    log_->error("[{}] {} {} failed (request {}): unknown exception", target.owner,
                method_name(request.method), target.path_template, request.request_id);
  }
  return Response::problem(
      500, fmt::format("the handler failed; see the server log for request {}",
                       request.request_id));
}

void Dispatcher::check_contract(const RouteTarget& target, const Request& request,
                                Response& response) const {
  auto problem = target.schemas->response_problem(response);
  if (!problem && response.status < 300 && !request.body.empty()) {
    if (auto refused = target.schemas->request_problem(request.body)) {
      problem = "the route accepted a body its schema refuses: " + *refused;
    }
  }
  if (!problem) return;
  log_->error("[{}] {} {} breaks its declared contract (request {}): {}", target.owner,
              method_name(request.method), target.path_template, request.request_id, *problem);
  response = Response::problem(
      500, fmt::format("{} {} breaks its declared contract: {}", method_name(request.method),
                       target.path_template, *problem));
}

void Dispatcher::complete(const Request& request, const RouteTarget* target,
                          Response& response,
                          std::chrono::steady_clock::time_point started) const {
  response.headers.emplace_back("X-Request-Id", request.request_id);
  auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started)
                     .count();
  (target != nullptr ? target->metrics : unmatched_).observe(response.status, seconds);
  if (access_log_) {
    log_->info("{} {} {} {:.3f}ms id={}", method_name(request.method),
               target != nullptr ? target->path_template : std::string("(unmatched)"),
               response.status, seconds * 1e3, request.request_id);
  }
}

void Dispatcher::render_metrics(std::string& out) const {
  auto render_family = [&](bool histograms) {
    for (const auto& target : router_.targets()) {
      target.metrics.render(out,
                            fmt::format("route=\"{}\",method=\"{}\"",
                                        metrics::label_value(target.path_template),
                                        method_name(target.method)),
                            histograms);
    }
    unmatched_.render(out, "route=\"(unmatched)\",method=\"\"", histograms);
  };
  out += "# HELP orchestra_http_requests_total HTTP requests by route template and status.\n";
  out += "# TYPE orchestra_http_requests_total counter\n";
  render_family(false);
  out += "# HELP orchestra_http_request_duration_seconds HTTP request latency.\n";
  out += "# TYPE orchestra_http_request_duration_seconds histogram\n";
  render_family(true);
  out += "# HELP orchestra_http_requests_in_flight Requests being handled now.\n";
  out += "# TYPE orchestra_http_requests_in_flight gauge\n";
  out += fmt::format("orchestra_http_requests_in_flight {}\n", in_flight_.load());
}

}  // namespace orchestra::http
