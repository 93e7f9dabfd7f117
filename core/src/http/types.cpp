#include "log/logging.hpp"

#include <orchestra/http.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <array>
#include <strings.h>

namespace orchestra::http {
namespace {

constexpr std::array<std::pair<Method, std::string_view>, 7> kMethods{{
    {Method::get, "GET"},
    {Method::head, "HEAD"},
    {Method::post, "POST"},
    {Method::put, "PUT"},
    {Method::patch, "PATCH"},
    {Method::delete_, "DELETE"},
    {Method::options, "OPTIONS"},
}};

}  // namespace

std::string_view method_name(Method method) {
  for (const auto& [value, name] : kMethods) {
    if (value == method) return name;
  }
  return "GET";
}

std::optional<std::string> Request::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key.size() == name.size() &&
        strncasecmp(key.data(), name.data(), name.size()) == 0) {
      return value;
    }
  }
  return std::nullopt;
}

bool Principal::has_scope(std::string_view scope) const {
  return std::any_of(scopes.begin(), scopes.end(),
                     [&](const std::string& held) { return held == scope || held == "admin"; });
}

const Principal& Request::caller() const {
  if (!principal) throw HttpError(401, "this route needs a bearer token");
  return *principal;
}

std::optional<std::string> Request::query_param(const std::string& name) const {
  auto it = query.find(name);
  if (it == query.end()) return std::nullopt;
  return it->second;
}

std::int64_t Request::query_int(const std::string& name, std::int64_t fallback,
                                std::int64_t min, std::int64_t max) const {
  auto text = query_param(name);
  if (!text) return fallback;
  std::int64_t value = 0;
  auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (error != std::errc{} || end != text->data() + text->size() || value < min || value > max) {
    throw HttpError(400, fmt::format("query parameter '{}' must be an integer from {} to {}",
                                     name, min, max));
  }
  return value;
}

const std::string& Request::path_param(const std::string& name) const {
  auto it = path_params.find(name);
  if (it == path_params.end()) {
    throw HttpError(404, "the route has no path parameter '" + name + "'");
  }
  return it->second;
}

Response Response::json(int status, std::string body) {
  return Response{status, "application/json", std::move(body), {}, nullptr};
}

Response Response::text(int status, std::string body, std::string content_type) {
  return Response{status, std::move(content_type), std::move(body), {}, nullptr};
}

Response Response::problem(int status, std::string_view detail, std::string_view title) {
  std::string body = "{\"type\":\"about:blank\",\"title\":\"";
  log::append_json_escaped(body, title.empty() ? status_reason(status) : title);
  body += "\",\"status\":";
  body += std::to_string(status);
  body += ",\"detail\":\"";
  log::append_json_escaped(body, detail);
  body += "\"}";
  return Response{status, "application/problem+json", std::move(body), {}, nullptr};
}

HttpError::HttpError(int status, std::string detail, std::string title)
    : std::runtime_error(detail),
      status_(status),
      title_(title.empty() ? std::string(status_reason(status)) : std::move(title)),
      detail_(std::move(detail)) {}

std::string_view status_reason(int status) {
  switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Content";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    default: return status < 400 ? "OK" : status < 500 ? "Client Error" : "Server Error";
  }
}

}  // namespace orchestra::http
