#include "http/server.hpp"

#include "http/client_address.hpp"
#include "http/framing.hpp"

#include "http/wire_format.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace orchestra::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);
constexpr auto kSweepInterval = std::chrono::milliseconds(100);
constexpr auto kAcceptErrorPause = std::chrono::milliseconds(50);
// The most a connection reads of a new request before its header timeout
// starts; the rest of the head follows in the parser's own reads.
constexpr std::size_t kFirstRead = 4096;

struct Server::Reactor {
  asio::io_context context{1};
  asio::executor_work_guard<asio::io_context::executor_type> work =
      asio::make_work_guard(context);
};

// What the server knows of a live connection, to close it on drain or when
// its deadline passes. `busy` and the socket are only touched on the
// connection's own reactor thread.
struct Server::Connection {
  tcp::socket* socket;
  std::size_t reactor;
  bool busy = false;
  // Steady-clock nanoseconds; checked by the reactor's sweep instead of a
  // timer per operation, which would cost a timerfd syscall per request.
  std::atomic<std::int64_t> deadline{kNoDeadline};
  static constexpr std::int64_t kNoDeadline = INT64_MAX;
  // The peer's address block, counted against max_connections_per_address;
  // empty for a trusted proxy, which speaks for many clients.
  std::string block = {};
};

// Bytes of request bodies held in memory: a reservation of the declared
// (or largest allowed) size while a body is read and handled, within the
// budget of every connection together and, so one address cannot take it
// all, within a sixteenth of it (at least one body) per address block.
class Server::BodyReservation {
 public:
  BodyReservation(Server& server, const std::string& block, std::size_t bytes)
      : server_(server), block_(block), bytes_(bytes) {
    if (bytes_ == 0) return;
    const auto& config = server_.config_;
    auto per_block = std::max(config.max_body_bytes, config.max_body_memory / 16);
    std::lock_guard lock(server_.connections_mutex_);
    auto& held_by_block = server_.body_bytes_per_block_[block_];
    if (server_.body_bytes_held_ + bytes_ > config.max_body_memory ||
        (!block_.empty() && held_by_block + bytes_ > per_block)) {
      if (held_by_block == 0) server_.body_bytes_per_block_.erase(block_);
      bytes_ = 0;
      granted_ = false;
      return;
    }
    server_.body_bytes_held_ += bytes_;
    held_by_block += bytes_;
  }
  ~BodyReservation() {
    if (bytes_ == 0) return;
    std::lock_guard lock(server_.connections_mutex_);
    server_.body_bytes_held_ -= bytes_;
    auto held_by_block = server_.body_bytes_per_block_.find(block_);
    held_by_block->second -= bytes_;
    if (held_by_block->second == 0) server_.body_bytes_per_block_.erase(held_by_block);
  }
  BodyReservation(const BodyReservation&) = delete;
  BodyReservation& operator=(const BodyReservation&) = delete;
  bool granted() const { return granted_; }

 private:
  Server& server_;
  std::string block_;
  std::size_t bytes_;
  bool granted_ = true;
};

namespace {

std::optional<Method> to_method(bhttp::verb verb) {
  switch (verb) {
    case bhttp::verb::get: return Method::get;
    case bhttp::verb::head: return Method::head;
    case bhttp::verb::post: return Method::post;
    case bhttp::verb::put: return Method::put;
    case bhttp::verb::patch: return Method::patch;
    case bhttp::verb::delete_: return Method::delete_;
    case bhttp::verb::options: return Method::options;
    default: return std::nullopt;
  }
}


Request to_request(bhttp::request<bhttp::string_body>& in, Method method) {
  Request request;
  request.method = method;
  request.target = std::string(in.target());
  request.body = std::move(in.body());
  request.headers.reserve(8);
  for (const auto& field : in) {
    request.headers.emplace_back(std::string(field.name_string()),
                                 std::string(field.value()));
  }
  auto id = in["X-Request-Id"];
  request.request_id = id.empty() || id.size() > 128 ? generate_request_id()
                                                     : std::string(id);
  return request;
}

}  // namespace

class Server::Session {
 public:
  Session(Server& server, tcp::socket socket, std::size_t reactor)
      : server_(server), socket_(std::move(socket)), connection_{&socket_, reactor} {
    boost::system::error_code error;
    auto peer = socket_.remote_endpoint(error);
    if (!error) peer_ = peer.address();
    if (!server_.trusted_proxies_.contains(peer_)) connection_.block = address_block(peer_);
  }

  asio::awaitable<void> run() {
    auto [open, from_block] = register_connection();
    // The connection's bookkeeping is undone on every way out, an
    // exception included.
    struct Closed {
      Session& session;
      ~Closed() { session.server_.on_connection_closed(&session.connection_); }
    } closed{*this};
    if (open > static_cast<std::size_t>(server_.config_.max_connections)) {
      co_await write_problem(503, "the server has too many open connections", 11);
    } else if (from_block > static_cast<std::size_t>(server_.config_.max_connections_per_address)) {
      co_await write_problem(503, "too many open connections from your address", 11);
    } else {
      co_await serve();
    }
    beast::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_send, ignored);
  }

 private:
  // The number of open connections, and of those from this one's address
  // block, this one included.
  std::pair<std::size_t, std::size_t> register_connection() {
    std::lock_guard lock(server_.connections_mutex_);
    server_.connections_.push_back(&connection_);
    auto from_block =
        connection_.block.empty() ? 0 : ++server_.connections_per_block_[connection_.block];
    return {server_.connections_.size(), from_block};
  }

  asio::awaitable<void> serve() {
    beast::flat_buffer buffer;
    bool first = true;
    while (!server_.draining_) {
      bhttp::request_parser<bhttp::string_body> parser;
      parser.header_limit(static_cast<std::uint32_t>(server_.config_.max_header_bytes));
      parser.body_limit(server_.config_.max_body_bytes);
      connection_.busy = false;
      if (!first && buffer.size() == 0) {
        // Between requests the idle timeout applies; from a request's first
        // byte on, the header timeout, so a slow head cannot hold the
        // connection for an idle timeout per byte. Reading those first
        // bytes, rather than waiting until the socket is readable, spares
        // an epoll_ctl per request (Asio re-arms the descriptor for every
        // wait).
        expire_in(server_.config_.idle_timeout);
        auto [idle_error, first_bytes] =
            co_await socket_.async_read_some(buffer.prepare(kFirstRead), kUseTuple);
        if (idle_error || server_.draining_) co_return;
        buffer.commit(first_bytes);
      }
      expire_in(server_.config_.header_timeout);
      auto [header_error, header_bytes] =
          co_await bhttp::async_read_header(socket_, buffer, parser, kUseTuple);
      if (header_error) {
        co_await answer_read_error(header_error, 11);
        co_return;
      }
      const auto& head = parser.get();
      std::optional<std::string> codings;  // every Transfer-Encoding line, as one list
      auto [line, end] = head.equal_range(bhttp::field::transfer_encoding);
      for (; line != end; ++line) {
        codings = (codings ? *codings + "," : std::string()) + std::string(line->value());
      }
      if (auto problem = framing_problem(codings ? std::optional<std::string_view>(*codings)
                                                 : std::nullopt,
                                         head.count(bhttp::field::content_length) > 0)) {
        // Whatever follows cannot be told apart from a body: close.
        co_await write_problem(400, *problem, head.version());
        co_return;
      }
      connection_.busy = true;
      BodyReservation body_memory(server_, connection_.block,
                                  parser.is_done() ? 0
                                  : parser.content_length()
                                      ? static_cast<std::size_t>(*parser.content_length())
                                      : server_.config_.max_body_bytes);
      if (!body_memory.granted()) {
        co_await write_problem(503, "the server is holding too many request bodies; retry shortly",
                               head.version(), 1);
        co_return;
      }
      if (!parser.is_done()) {
        expire_in(server_.config_.body_timeout);
        auto [body_error, body_bytes] =
            co_await bhttp::async_read(socket_, buffer, parser, kUseTuple);
        if (body_error) {
          co_await answer_read_error(body_error, parser.get().version());
          co_return;
        }
      }
      connection_.deadline = Connection::kNoDeadline;
      if (!co_await respond(parser.get())) co_return;
      first = false;
    }
  }

  // Answers what can be answered (413, 431, 400); timeouts and closed
  // connections just end the session.
  asio::awaitable<void> answer_read_error(beast::error_code error, unsigned version) {
    if (error == bhttp::error::body_limit) {
      co_await write_problem(413,
                             fmt::format("the request body exceeds the limit of {} bytes",
                                         server_.config_.max_body_bytes),
                             version);
    } else if (error == bhttp::error::header_limit) {
      co_await write_problem(431, "the request headers are too large", version);
    } else if (error.category() == bhttp::make_error_code(bhttp::error::bad_method).category() &&
               error != bhttp::error::end_of_stream &&
               error != bhttp::error::partial_message) {
      co_await write_problem(400, "malformed HTTP request: " + error.message(), version);
    }
  }

  asio::awaitable<void> write_problem(int status, std::string detail, unsigned version,
                                     std::optional<int> retry_after = std::nullopt) {
    auto response = Response::problem(status, detail);
    if (retry_after) response.headers.emplace_back("Retry-After", std::to_string(*retry_after));
    response.headers.emplace_back("X-Request-Id", generate_request_id());
    auto out = serialize_response(response, version, false, false);
    expire_in(server_.config_.header_timeout);
    co_await asio::async_write(socket_, asio::buffer(out), kUseTuple);
  }

  // Handles one request; false when the connection must close afterwards.
  asio::awaitable<bool> respond(bhttp::request<bhttp::string_body>& in) {
    auto started = std::chrono::steady_clock::now();
    auto& dispatcher = server_.dispatcher_;
    ++dispatcher.in_flight();
    auto method = to_method(in.method());
    auto request = to_request(in, method.value_or(Method::get));
    request.client_address = client_address(in).to_string();
    Response response;
    const RouteTarget* target = nullptr;
    if (!method) {
      response = Response::problem(501, "the request method is not supported");
    } else {
      target = dispatcher.route(request, response);
    }
    if (target != nullptr && target->options.execution == Execution::blocking) {
      response = co_await asio::co_spawn(
          server_.handler_pool_,
          [&]() -> asio::awaitable<Response> { co_return dispatcher.invoke(*target, request); },
          asio::use_awaitable);
    } else if (target != nullptr) {
      response = dispatcher.invoke(*target, request);
    }
    dispatcher.complete(request, target, response, started);
    if (response.stream && in.method() == bhttp::verb::head) {
      response.stream->close();  // the headers only
      response.stream.reset();
    }
    if (response.stream) {
      co_await stream(response, in.version());
      --dispatcher.in_flight();
      co_return false;
    }
    bool keep_alive = in.keep_alive() && !server_.draining_;
    auto out = serialize_response(response, in.version(), keep_alive,
                                  in.method() == bhttp::verb::head);
    expire_in(server_.config_.body_timeout);
    auto [error, bytes] = co_await asio::async_write(socket_, asio::buffer(out), kUseTuple);
    --dispatcher.in_flight();
    co_return !error && keep_alive;
  }

  // Sends a streamed response until its body closes, the client goes away
  // or the server drains. The connection counts as idle meanwhile, so a
  // drain closes it at once.
  asio::awaitable<void> stream(Response& response, unsigned version) {
    using namespace asio::experimental::awaitable_operators;
    auto body = response.stream;
    auto wake = std::make_shared<asio::steady_timer>(socket_.get_executor());
    body->attach([wake, executor = socket_.get_executor()] {
      asio::post(executor, [wake] { wake->cancel(); });
    });
    // Also when the reactor is destroyed with this coroutine suspended: the
    // writer must stop posting to it.
    struct Release {
      std::shared_ptr<StreamBody> body;
      ~Release() {
        body->detach();
        body->close();
      }
    } release{body};
    connection_.busy = false;
    auto head = serialize_response(response, version, false, false);
    co_await (stream_writes(*body, *wake, std::move(head)) || watch_peer());
  }

  asio::awaitable<void> stream_writes(StreamBody& body, asio::steady_timer& wake,
                                      std::string out) {
    out += body.take();
    while (true) {
      if (out.empty()) out = ": keepalive\n\n";
      expire_in(server_.config_.body_timeout);
      auto [error, bytes] = co_await asio::async_write(socket_, asio::buffer(out), kUseTuple);
      connection_.deadline = Connection::kNoDeadline;
      if (error || server_.draining_) co_return;
      // A wake posted while writing found no wait to cancel; what it
      // announced is taken here. One posted from now on cancels the wait.
      wake.expires_after(server_.config_.stream_keepalive);
      out = body.take();
      if (!out.empty()) continue;
      if (body.closed()) co_return;
      co_await wake.async_wait(kUseTuple);
      out = body.take();
      if (out.empty() && body.closed()) co_return;
    }
  }

  // Completes when the client closes the connection (or sends anything,
  // which an event-stream client never does) or drain cancels the socket.
  asio::awaitable<void> watch_peer() {
    char byte;
    co_await socket_.async_read_some(asio::buffer(&byte, 1), kUseTuple);
  }

  asio::ip::address client_address(const bhttp::request<bhttp::string_body>& in) const {
    std::optional<std::string> forwarded;  // every X-Forwarded-For line, as one list
    auto [line, end] = in.equal_range("X-Forwarded-For");
    for (; line != end; ++line) {
      forwarded = (forwarded ? *forwarded + "," : std::string()) + std::string(line->value());
    }
    return server_.trusted_proxies_.client(
        peer_, forwarded ? std::optional<std::string_view>(*forwarded) : std::nullopt);
  }

  void expire_in(std::chrono::milliseconds timeout) {
    connection_.deadline = (std::chrono::steady_clock::now() + timeout).time_since_epoch().count();
  }

  Server& server_;
  tcp::socket socket_;
  asio::ip::address peer_;
  Connection connection_;
};

Server::Server(const config::ServerConfig& config, config::ListenAddress listen,
               Dispatcher& dispatcher, asio::thread_pool& handler_pool,
               std::shared_ptr<spdlog::logger> log)
    : config_(config),
      trusted_proxies_(config.trusted_proxies),
      listen_(std::move(listen)),
      dispatcher_(dispatcher),
      handler_pool_(handler_pool),
      log_(std::move(log)) {
  for (int i = 0; i < config_.threads; ++i) reactors_.push_back(std::make_unique<Reactor>());
}

Server::~Server() { stop(); }

void Server::start() {
  auto& context = reactors_.front()->context;
  auto acceptor = std::make_shared<tcp::acceptor>(context);
  try {
    auto address = asio::ip::make_address(listen_.host == "localhost" ? "127.0.0.1"
                                                                      : listen_.host);
    tcp::endpoint endpoint(address, listen_.port);
    acceptor->open(endpoint.protocol());
    acceptor->set_option(asio::socket_base::reuse_address(true));
    acceptor->bind(endpoint);
    acceptor->listen(asio::socket_base::max_listen_connections);
  } catch (const std::exception& error) {
    throw std::runtime_error(
        fmt::format("cannot listen on {}: {}", listen_.to_string(), error.what()));
  }
  port_ = acceptor->local_endpoint().port();
  asio::co_spawn(
      context,
      [this, acceptor]() -> asio::awaitable<void> {
        std::size_t next = 0;
        while (!draining_) {
          auto index = next++ % reactors_.size();
          auto [error, socket] =
              co_await acceptor->async_accept(reactors_[index]->context, kUseTuple);
          if (error == asio::error::operation_aborted || draining_) break;
          if (error) {
            // Out of file descriptors or similar: pause instead of spinning.
            log_->warn("accept failed: {}", error.message());
            asio::steady_timer pause(acceptor->get_executor(), kAcceptErrorPause);
            co_await pause.async_wait(kUseTuple);
            continue;
          }
          socket.set_option(tcp::no_delay(true));
          auto executor = socket.get_executor();
          auto session = std::make_shared<Session>(*this, std::move(socket), index);
          asio::co_spawn(
              executor, [session]() { return session->run(); }, asio::detached);
        }
      },
      asio::detached);
  drain_acceptor_ = [acceptor, &context] {
    asio::post(context, [acceptor] {
      beast::error_code ignored;
      acceptor->close(ignored);
    });
  };
  for (std::size_t index = 0; index < reactors_.size(); ++index) {
    asio::co_spawn(reactors_[index]->context, sweep(index), asio::detached);
  }
  for (auto& reactor : reactors_) {
    threads_.emplace_back([&context = reactor->context] { context.run(); });
  }
}

asio::awaitable<void> Server::sweep(std::size_t reactor) {
  asio::steady_timer timer(reactors_[reactor]->context);
  while (true) {
    timer.expires_after(kSweepInterval);
    auto [error] = co_await timer.async_wait(kUseTuple);
    if (error) co_return;
    auto now = std::chrono::steady_clock::now().time_since_epoch().count();
    std::lock_guard lock(connections_mutex_);
    for (auto* connection : connections_) {
      if (connection->reactor == reactor && connection->deadline.load() < now) {
        connection->deadline = Connection::kNoDeadline;
        beast::error_code ignored;
        connection->socket->cancel(ignored);
      }
    }
  }
}

void Server::drain() {
  if (draining_.exchange(true)) return;
  if (drain_acceptor_) drain_acceptor_();
  std::lock_guard lock(connections_mutex_);
  for (auto* connection : connections_) {
    asio::post(connection->socket->get_executor(), [this, connection] {
      std::lock_guard inner(connections_mutex_);
      if (std::find(connections_.begin(), connections_.end(), connection) ==
          connections_.end()) {
        return;
      }
      beast::error_code ignored;
      if (!connection->busy) connection->socket->cancel(ignored);
    });
  }
}

void Server::on_connection_closed(Connection* connection) {
  std::lock_guard lock(connections_mutex_);
  connections_.remove(connection);
  if (!connection->block.empty()) {
    auto count = connections_per_block_.find(connection->block);
    if (--count->second == 0) connections_per_block_.erase(count);
  }
  connections_closed_.notify_all();
}

bool Server::wait_closed(std::chrono::milliseconds grace) {
  std::unique_lock lock(connections_mutex_);
  return connections_closed_.wait_for(lock, grace, [this] { return connections_.empty(); });
}

void Server::stop() {
  for (auto& reactor : reactors_) {
    reactor->work.reset();
    reactor->context.stop();
  }
  for (auto& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
  threads_.clear();
}

}  // namespace orchestra::http
