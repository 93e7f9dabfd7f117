#include "support/sse_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

namespace orchestra::testing {

SseClient::SseClient(std::uint16_t port, const std::string& target,
                     const std::map<std::string, std::string>& headers) {
  socket_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(socket_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    close();
    throw std::runtime_error("cannot connect for the event stream");
  }
  std::string request = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  for (const auto& [name, value] : headers) request += name + ": " + value + "\r\n";
  request += "Accept: text/event-stream\r\n\r\n";
  ::send(socket_, request.data(), request.size(), MSG_NOSIGNAL);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  std::string head;
  while (auto text = line(deadline)) {
    if (text->empty()) break;
    head += *text + "\n";
  }
  if (head.rfind("HTTP/1.1 200", 0) != 0 || head.find("text/event-stream") == std::string::npos) {
    fill(std::chrono::steady_clock::now() + std::chrono::milliseconds(200));
    auto answer = head + buffer_;
    close();
    throw std::runtime_error("not an event stream: " + answer);
  }
}

SseClient::~SseClient() { close(); }

void SseClient::close() {
  if (socket_ >= 0) ::close(socket_);
  socket_ = -1;
}

bool SseClient::fill(std::chrono::steady_clock::time_point deadline) {
  if (socket_ < 0) return false;
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  pollfd descriptor{socket_, POLLIN, 0};
  if (left.count() <= 0 || ::poll(&descriptor, 1, static_cast<int>(left.count())) <= 0) {
    return false;
  }
  char chunk[4096];
  auto got = ::recv(socket_, chunk, sizeof chunk, 0);
  if (got <= 0) {
    close();
    return false;
  }
  buffer_.append(chunk, static_cast<std::size_t>(got));
  return true;
}

std::optional<std::string> SseClient::line(std::chrono::steady_clock::time_point deadline) {
  while (true) {
    auto newline = buffer_.find('\n');
    if (newline != std::string::npos) {
      auto text = buffer_.substr(0, newline);
      buffer_.erase(0, newline + 1);
      if (!text.empty() && text.back() == '\r') text.pop_back();
      return text;
    }
    if (!fill(deadline)) return std::nullopt;
  }
}

std::optional<SseEvent> SseClient::next(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  SseEvent event;
  bool any = false;
  while (auto text = line(deadline)) {
    if (text->empty()) {
      if (any) return event;
      continue;
    }
    if (text->front() == ':') {
      ++comments_;
      continue;
    }
    auto colon = text->find(':');
    auto field = text->substr(0, colon);
    auto value = colon == std::string::npos ? std::string() : text->substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.erase(0, 1);
    if (field == "id") {
      event.id = value;
      any = true;
    } else if (field == "event") {
      event.event = value;
      any = true;
    } else if (field == "data") {
      event.data += value;
      any = true;
    }
  }
  return std::nullopt;
}

}  // namespace orchestra::testing
