#pragma once
// A small blocking HTTP/1.1 client for tests: one connection, requests in
// sequence, every call bounded by a timeout.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

namespace orchestra::testing {

struct HttpResult {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  bool keep_alive = false;
  std::string header(const std::string& lower_name) const;
};

class HttpClient {
 public:
  explicit HttpClient(std::uint16_t port,
                      std::chrono::milliseconds timeout = std::chrono::seconds(10));
  ~HttpClient();
  // Sent with every request from now on (e.g. Authorization); per-request
  // headers of the same name win.
  HttpClient& with_header(const std::string& name, const std::string& value);
  HttpResult request(const std::string& method, const std::string& target,
                     const std::string& body = {},
                     const std::map<std::string, std::string>& headers = {});
  HttpResult get(const std::string& target) { return request("GET", target); }
  HttpResult post(const std::string& target, const std::string& body) {
    return request("POST", target, body, {{"Content-Type", "application/json"}});
  }
  // Sends raw bytes and reads one response; for malformed requests.
  HttpResult raw(const std::string& bytes);
  // True when the server closed the connection (read returns EOF).
  bool closed_by_peer();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// One request on a fresh connection, with no credentials.
HttpResult http_get(std::uint16_t port, const std::string& target);
// The same with an admin's bearer token (see support/auth.hpp).
HttpResult admin_get(std::uint16_t port, const std::string& target);

}  // namespace orchestra::testing
