#include <orchestra/http_client.hpp>

#include "http_client/curl_client.hpp"

namespace orchestra::http {

std::optional<std::string> ClientResponse::header(std::string_view lower_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_name) return value;
  }
  return std::nullopt;
}

std::optional<std::chrono::milliseconds> ClientResponse::retry_after() const {
  auto value = header("retry-after");
  if (!value) return std::nullopt;
  return http_client::parse_retry_after(*value, std::chrono::system_clock::now());
}

ClientResponse Client::get(std::string url, std::function<bool()> stop) {
  ClientRequest request;
  request.url = std::move(url);
  request.stop = std::move(stop);
  return send(request);
}

}  // namespace orchestra::http
