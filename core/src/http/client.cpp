#include <orchestra/http_client.hpp>

namespace orchestra::http {

std::optional<std::string> ClientResponse::header(std::string_view lower_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_name) return value;
  }
  return std::nullopt;
}

ClientResponse Client::get(std::string url, std::function<bool()> stop) {
  ClientRequest request;
  request.url = std::move(url);
  request.stop = std::move(stop);
  return send(request);
}

}  // namespace orchestra::http
