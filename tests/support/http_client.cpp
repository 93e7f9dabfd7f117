#include "support/http_client.hpp"

#include "support/auth.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <cctype>

namespace orchestra::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;

struct HttpClient::Impl {
  asio::io_context context;
  beast::tcp_stream stream{context};
  beast::flat_buffer buffer;
  std::chrono::milliseconds timeout;
  std::map<std::string, std::string> default_headers;

  HttpResult read_response() {
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(64 << 20);
    stream.expires_after(timeout);
    bhttp::read(stream, buffer, parser);
    auto& response = parser.get();
    HttpResult result;
    result.status = static_cast<int>(response.result_int());
    for (const auto& field : response) {
      std::string name(field.name_string());
      std::transform(name.begin(), name.end(), name.begin(),
                     [](unsigned char c) { return std::tolower(c); });
      result.headers[name] = std::string(field.value());
    }
    result.body = response.body();
    result.keep_alive = response.keep_alive();
    return result;
  }
};

std::string HttpResult::header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? std::string() : it->second;
}

HttpClient::HttpClient(std::uint16_t port, std::chrono::milliseconds timeout)
    : impl_(std::make_unique<Impl>()) {
  impl_->timeout = timeout;
  impl_->stream.expires_after(timeout);
  impl_->stream.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
}

HttpClient::~HttpClient() = default;

HttpClient& HttpClient::with_header(const std::string& name, const std::string& value) {
  impl_->default_headers[name] = value;
  return *this;
}

HttpResult HttpClient::request(const std::string& method, const std::string& target,
                               const std::string& body,
                               const std::map<std::string, std::string>& headers) {
  bhttp::request<bhttp::string_body> request{bhttp::string_to_verb(method), target, 11};
  request.set(bhttp::field::host, "127.0.0.1");
  if (request.method() == bhttp::verb::unknown) request.method_string(method);
  for (const auto& [name, value] : impl_->default_headers) request.set(name, value);
  for (const auto& [name, value] : headers) request.set(name, value);
  request.body() = body;
  request.prepare_payload();
  impl_->stream.expires_after(impl_->timeout);
  bhttp::write(impl_->stream, request);
  if (request.method() == bhttp::verb::head) {
    bhttp::response_parser<bhttp::empty_body> parser;
    parser.skip(true);
    impl_->stream.expires_after(impl_->timeout);
    bhttp::read(impl_->stream, impl_->buffer, parser);
    HttpResult result;
    result.status = static_cast<int>(parser.get().result_int());
    for (const auto& field : parser.get()) {
      std::string name(field.name_string());
      std::transform(name.begin(), name.end(), name.begin(),
                     [](unsigned char c) { return std::tolower(c); });
      result.headers[name] = std::string(field.value());
    }
    return result;
  }
  return impl_->read_response();
}

HttpResult HttpClient::raw(const std::string& bytes) {
  impl_->stream.expires_after(impl_->timeout);
  asio::write(impl_->stream, asio::buffer(bytes));
  return impl_->read_response();
}

bool HttpClient::closed_by_peer() {
  char byte;
  beast::error_code error;
  impl_->stream.expires_after(impl_->timeout);
  impl_->stream.read_some(asio::buffer(&byte, 1), error);
  return error == asio::error::eof || error == asio::error::connection_reset;
}

HttpResult http_get(std::uint16_t port, const std::string& target) {
  return HttpClient(port).get(target);
}

HttpResult admin_get(std::uint16_t port, const std::string& target) {
  return HttpClient(port).with_header("Authorization", bearer({"admin"})).get(target);
}

}  // namespace orchestra::testing
