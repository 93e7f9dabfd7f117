#include "support/webhook_receiver.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace orchestra::testing {
namespace {

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// Reads until the headers and a Content-Length body are in; false on EOF.
bool read_request(int connection, ReceivedRequest& request) {
  std::string data;
  char chunk[4096];
  std::size_t head_end = std::string::npos;
  std::size_t length = 0;
  while (true) {
    if (head_end == std::string::npos && (head_end = data.find("\r\n\r\n")) != std::string::npos) {
      std::size_t start = data.find("\r\n") + 2;
      auto first = data.substr(0, start - 2);
      request.method = first.substr(0, first.find(' '));
      request.target = first.substr(first.find(' ') + 1, first.rfind(' ') - first.find(' ') - 1);
      while (start < head_end) {
        auto end = data.find("\r\n", start);
        auto header = data.substr(start, end - start);
        auto colon = header.find(':');
        auto value = header.substr(colon + 1);
        value.erase(0, value.find_first_not_of(' '));
        request.headers[lower(header.substr(0, colon))] = value;
        start = end + 2;
      }
      length = request.headers.count("content-length")
                   ? std::stoul(request.headers["content-length"])
                   : 0;
    }
    if (head_end != std::string::npos && data.size() >= head_end + 4 + length) {
      request.body = data.substr(head_end + 4, length);
      return true;
    }
    auto got = ::recv(connection, chunk, sizeof chunk, 0);
    if (got <= 0) return false;
    data.append(chunk, static_cast<std::size_t>(got));
  }
}

}  // namespace

WebhookReceiver::WebhookReceiver() {
  listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
  int yes = 1;
  ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(listener_, 64) != 0) {
    throw std::runtime_error("the webhook receiver cannot listen");
  }
  socklen_t size = sizeof address;
  ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &size);
  port_ = ntohs(address.sin_port);
  thread_ = std::jthread([this](std::stop_token stop) {
    while (!stop.stop_requested()) {
      pollfd descriptor{listener_, POLLIN, 0};
      if (::poll(&descriptor, 1, 100) <= 0) continue;
      int connection = ::accept(listener_, nullptr, nullptr);
      if (connection >= 0) handle(connection);
    }
  });
}

WebhookReceiver::~WebhookReceiver() {
  thread_.request_stop();
  if (thread_.joinable()) thread_.join();
  ::close(listener_);
}

std::string WebhookReceiver::url() const {
  return "http://127.0.0.1:" + std::to_string(port_) + "/hook";
}

void WebhookReceiver::answer_next(int status, int count, int retry_after) {
  std::lock_guard lock(mutex_);
  for (int i = 0; i < count; ++i) answers_.emplace_back(status, retry_after);
}

std::vector<ReceivedRequest> WebhookReceiver::received() const {
  std::lock_guard lock(mutex_);
  return received_;
}

bool WebhookReceiver::wait_for(std::size_t count, std::chrono::milliseconds timeout) const {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (received().size() >= count) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return received().size() >= count;
}

// One request per connection (the answer closes it), which is all a
// webhook sender needs.
void WebhookReceiver::handle(int connection) {
  ReceivedRequest request;
  if (read_request(connection, request)) {
    request.at = std::chrono::steady_clock::now();
    std::pair<int, int> answer{200, -1};
    {
      std::lock_guard lock(mutex_);
      if (!answers_.empty()) {
        answer = answers_.front();
        answers_.pop_front();
      }
      received_.push_back(request);
    }
    std::string response = "HTTP/1.1 " + std::to_string(answer.first) + " X\r\n";
    if (answer.second >= 0) response += "Retry-After: " + std::to_string(answer.second) + "\r\n";
    response += "Content-Length: 0\r\nConnection: close\r\n\r\n";
    ::send(connection, response.data(), response.size(), MSG_NOSIGNAL);
  }
  ::close(connection);
}

}  // namespace orchestra::testing
