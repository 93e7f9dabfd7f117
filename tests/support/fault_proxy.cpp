#include "support/fault_proxy.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>
#include <string>

namespace orchestra::testing {
namespace {

int connect_loopback(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

bool send_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    auto sent = ::send(fd, data, size, MSG_NOSIGNAL);
    if (sent <= 0) return false;
    data += sent;
    size -= static_cast<std::size_t>(sent);
  }
  return true;
}

}  // namespace

FaultProxy::FaultProxy(std::uint16_t upstream_port) : upstream_(upstream_port) {
  listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int yes = 1;
  ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(listener_, 64) != 0 ||
      ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    throw std::runtime_error("fault proxy: cannot listen");
  }
  port_ = ntohs(address.sin_port);
  acceptor_ = std::thread([this] { accept_loop(); });
}

FaultProxy::~FaultProxy() {
  stopping_ = true;
  ::shutdown(listener_, SHUT_RDWR);
  ::close(listener_);
  acceptor_.join();
  for (auto& connection : connections_) connection.join();
}

void FaultProxy::drop_after(std::size_t bytes, int connections) {
  std::lock_guard lock(mutex_);
  for (int i = 0; i < connections; ++i) queued_.push_back({Fault::Kind::drop, bytes, {}});
}

void FaultProxy::stall_after(std::size_t bytes, std::chrono::milliseconds pause, int connections) {
  std::lock_guard lock(mutex_);
  for (int i = 0; i < connections; ++i) queued_.push_back({Fault::Kind::stall, bytes, pause});
}

void FaultProxy::fail_next(int connections, int status) {
  std::lock_guard lock(mutex_);
  for (int i = 0; i < connections; ++i) queued_.push_back({Fault::Kind::fail, 0, {}, status});
}

FaultProxy::Fault FaultProxy::next_fault() {
  std::lock_guard lock(mutex_);
  if (queued_.empty()) return {};
  auto fault = queued_.front();
  queued_.erase(queued_.begin());
  return fault;
}

void FaultProxy::accept_loop() {
  while (!stopping_) {
    int client = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    ++seen_;
    auto fault = next_fault();
    std::lock_guard lock(mutex_);
    connections_.emplace_back([this, client, fault] { serve(client, fault); });
  }
}

void FaultProxy::serve(int client, Fault fault) {
  if (fault.kind == Fault::Kind::fail) {
    char buffer[8192];
    std::string request;
    while (request.find("\r\n\r\n") == std::string::npos) {
      auto count = ::recv(client, buffer, sizeof buffer, 0);
      if (count <= 0) break;
      request.append(buffer, static_cast<std::size_t>(count));
    }
    auto answer = "HTTP/1.1 " + std::to_string(fault.status) +
                  " Refused\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    send_all(client, answer.data(), answer.size());
    ::close(client);
    return;
  }
  int upstream = connect_loopback(upstream_);
  if (upstream < 0) {
    ::close(client);
    return;
  }
  std::size_t forwarded = 0;
  bool faulted = false;
  char buffer[16384];
  pollfd fds[2] = {{client, POLLIN, 0}, {upstream, POLLIN, 0}};
  while (!stopping_) {
    if (::poll(fds, 2, 100) < 0) break;
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      auto count = ::recv(client, buffer, sizeof buffer, 0);
      if (count <= 0 || !send_all(upstream, buffer, static_cast<std::size_t>(count))) break;
    }
    if (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) {
      auto count = ::recv(upstream, buffer, sizeof buffer, 0);
      if (count <= 0) break;
      auto size = static_cast<std::size_t>(count);
      if (!faulted && fault.kind != Fault::Kind::none && forwarded + size > fault.bytes) {
        auto first = fault.bytes - forwarded;
        send_all(client, buffer, first);
        faulted = true;
        if (fault.kind == Fault::Kind::drop) break;
        std::this_thread::sleep_for(fault.pause);
        if (!send_all(client, buffer + first, size - first)) break;
        forwarded += size;
        continue;
      }
      if (!send_all(client, buffer, size)) break;
      forwarded += size;
    }
  }
  ::close(upstream);
  ::close(client);
}

}  // namespace orchestra::testing
