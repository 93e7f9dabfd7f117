#pragma once
// A TCP proxy on loopback that forwards to an upstream port and misbehaves
// on request: drops a connection after some response bytes, stalls, or
// answers an error status without asking upstream. For testing clients of unreliable
// storage.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace orchestra::testing {

class FaultProxy {
 public:
  explicit FaultProxy(std::uint16_t upstream_port);
  ~FaultProxy();
  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;

  std::uint16_t port() const { return port_; }
  // The next `connections` connections close after `bytes` response bytes.
  void drop_after(std::size_t bytes, int connections = 1);
  // The next `connections` connections stop forwarding after `bytes`
  // response bytes for `pause`, then carry on.
  void stall_after(std::size_t bytes, std::chrono::milliseconds pause, int connections = 1);
  // The next `connections` connections answer `status` (500: a server
  // error) to their first request.
  void fail_next(int connections, int status = 500);
  int connections_seen() const { return seen_; }

 private:
  struct Fault {
    enum class Kind { none, drop, stall, fail } kind = Kind::none;
    std::size_t bytes = 0;
    std::chrono::milliseconds pause{0};
    int status = 500;
  };
  void accept_loop();
  void serve(int client, Fault fault);
  Fault next_fault();

  std::uint16_t upstream_;
  std::uint16_t port_ = 0;
  int listener_ = -1;
  std::atomic<bool> stopping_{false};
  std::atomic<int> seen_{0};
  std::mutex mutex_;
  std::vector<Fault> queued_;
  std::vector<std::thread> connections_;
  std::thread acceptor_;
};

}  // namespace orchestra::testing
