#pragma once
// The Beast HTTP/1.1 server: one io_context per reactor thread, one
// coroutine per connection, blocking handlers on a separate pool.
//
// Guarantees: a request body over `max_body_bytes` gets 413 without being
// read; a request head that does not arrive within `header_timeout` of its
// first byte closes the connection; connections over `max_connections`, or
// over `max_connections_per_address` from one address block, get 503, as
// does a body that would take the bodies held at once past
// `max_body_memory`; drain() stops
// accepting, closes idle keep-alive connections at once and lets busy ones
// finish their current request.

#include "config/core_config.hpp"
#include "http/client_address.hpp"
#include "http/dispatcher.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

namespace orchestra::http {

class Server {
 public:
  Server(const config::ServerConfig& config, config::ListenAddress listen,
         Dispatcher& dispatcher, boost::asio::thread_pool& handler_pool,
         std::shared_ptr<spdlog::logger> log);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts the reactor threads; throws std::runtime_error naming
  // the address when it cannot listen.
  void start();
  std::uint16_t port() const { return port_; }
  // Stops accepting and closes idle connections; returns at once.
  void drain();
  // Waits for every connection to close; false when `grace` ran out first.
  bool wait_closed(std::chrono::milliseconds grace);
  // Stops the reactor threads; connections still open are dropped.
  void stop();

 private:
  struct Connection;
  class Session;
  class BodyReservation;

  boost::asio::awaitable<void> sweep(std::size_t reactor);
  void on_connection_closed(Connection* connection);

  config::ServerConfig config_;
  TrustedProxies trusted_proxies_;
  config::ListenAddress listen_;
  Dispatcher& dispatcher_;
  boost::asio::thread_pool& handler_pool_;
  std::shared_ptr<spdlog::logger> log_;
  std::uint16_t port_ = 0;
  std::atomic<bool> draining_{false};
  std::function<void()> drain_acceptor_;

  std::mutex connections_mutex_;
  std::condition_variable connections_closed_;
  std::list<Connection*> connections_;
  std::unordered_map<std::string, std::size_t> connections_per_block_;
  // Request body bytes reserved, in all and per address block; guarded by
  // connections_mutex_.
  std::size_t body_bytes_held_ = 0;
  std::unordered_map<std::string, std::size_t> body_bytes_per_block_;

  std::vector<std::thread> threads_;
  struct Reactor;
  // Declared last: destroying the reactors destroys pending coroutine
  // frames, which still refer to the members above.
  std::vector<std::unique_ptr<Reactor>> reactors_;
};

}  // namespace orchestra::http
