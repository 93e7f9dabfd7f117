// Connection limits and timeouts protect the server from idle or slow
// clients.

#include "support/http_client.hpp"
#include "support/test_server.hpp"

#include <doctest/doctest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

#include <sys/socket.h>

#include <memory>
#include <thread>
#include <vector>

using namespace orchestra::testing;

TEST_CASE("connections over max_connections get 503") {
  TempDir dir;
  TestServer server(dir, "all", test_config(), {{"ORCHESTRA_SERVER__MAX_CONNECTIONS", "2"}});
  HttpClient first(server.port());
  HttpClient second(server.port());
  REQUIRE(first.get("/healthz").status == 200);
  REQUIRE(second.get("/healthz").status == 200);
  HttpClient third(server.port());
  auto refused = third.get("/healthz");
  CHECK(refused.status == 503);
  CHECK(refused.body.find("too many open connections") != std::string::npos);
  CHECK(first.get("/healthz").status == 200);
}

TEST_CASE("a client that never finishes its headers is disconnected") {
  TempDir dir;
  TestServer server(dir, "all", test_config(), {{"ORCHESTRA_SERVER__HEADER_TIMEOUT", "300ms"}});
  boost::asio::io_context context;
  boost::asio::ip::tcp::socket socket(context);
  socket.connect({boost::asio::ip::make_address("127.0.0.1"), server.port()});
  timeval bound{5, 0};  // the read below must not hang if the server never closes
  setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &bound, sizeof bound);
  boost::asio::write(socket, boost::asio::buffer(std::string("GET /healthz HTTP/1.1\r\nHo")));
  char byte;
  boost::system::error_code error;
  socket.read_some(boost::asio::buffer(&byte, 1), error);
  CHECK(error == boost::asio::error::eof);
  CHECK(http_get(server.port(), "/healthz").status == 200);
}

TEST_CASE("running out of file descriptors pauses accepting, then the server recovers") {
  TempDir dir;
  TestServer server(dir, "all", test_config(), {{kOpenFilesLimit, "64"}});
  std::vector<std::unique_ptr<boost::asio::ip::tcp::socket>> sockets;
  boost::asio::io_context context;
  for (int i = 0; i < 80; ++i) {
    auto socket = std::make_unique<boost::asio::ip::tcp::socket>(context);
    socket->connect({boost::asio::ip::make_address("127.0.0.1"), server.port()});
    sockets.push_back(std::move(socket));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  sockets.clear();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CHECK(http_get(server.port(), "/healthz").status == 200);
  CHECK(server.output().find("accept failed: Too many open files") != std::string::npos);
}

namespace {

// A connected socket whose reads give up after 5 s, so no test can hang.
std::unique_ptr<boost::asio::ip::tcp::socket> bounded_socket(boost::asio::io_context& context,
                                                             std::uint16_t port) {
  auto socket = std::make_unique<boost::asio::ip::tcp::socket>(context);
  socket->connect({boost::asio::ip::make_address("127.0.0.1"), port});
  timeval bound{5, 0};
  setsockopt(socket->native_handle(), SOL_SOCKET, SO_RCVTIMEO, &bound, sizeof bound);
  return socket;
}

// Everything the server sends until it closes the connection or 5 s pass.
std::string read_until_closed(boost::asio::ip::tcp::socket& socket) {
  std::string received;
  char chunk[4096];
  boost::system::error_code error;
  while (!error) {
    auto bytes = socket.read_some(boost::asio::buffer(chunk), error);
    received.append(chunk, bytes);
  }
  return received + (error == boost::asio::error::eof ? "<closed>" : "<" + error.message() + ">");
}

// A POST that declared a 1000-byte body and sent a few bytes of it: it
// holds its reservation while the rest trickles in.
std::unique_ptr<boost::asio::ip::tcp::socket> slow_upload(boost::asio::io_context& context,
                                                          std::uint16_t port) {
  auto socket = bounded_socket(context, port);
  boost::asio::write(*socket, boost::asio::buffer(std::string(
      "POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: 1000\r\n\r\n{\"login\":")));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  return socket;
}

}  // namespace

TEST_CASE("the header timeout runs from the first byte of every request on a kept-alive connection") {
  TempDir dir;
  TestServer server(dir, "all", test_config(),
                    {{"ORCHESTRA_SERVER__HEADER_TIMEOUT", "300ms"},
                     {"ORCHESTRA_SERVER__IDLE_TIMEOUT", "60s"}});
  boost::asio::io_context context;
  auto socket = bounded_socket(context, server.port());
  boost::asio::write(*socket, boost::asio::buffer(std::string("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")));
  // Idle between requests for longer than the header timeout: still open.
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  boost::asio::write(*socket, boost::asio::buffer(std::string("GET /healthz HTTP/1.1\r\nHo")));
  auto received = read_until_closed(*socket);
  CHECK(received.find("HTTP/1.1 200") != std::string::npos);
  CHECK(received.ends_with("<closed>"));
}

TEST_CASE("connections over max_connections_per_address from one address get 503") {
  TempDir dir;
  TestServer server(dir, "all", test_config(),
                    {{"ORCHESTRA_SERVER__MAX_CONNECTIONS_PER_ADDRESS", "2"}});
  HttpClient first(server.port());
  auto second = std::make_unique<HttpClient>(server.port());
  REQUIRE(first.get("/healthz").status == 200);
  REQUIRE(second->get("/healthz").status == 200);
  auto refused = HttpClient(server.port()).get("/healthz");
  CHECK(refused.status == 503);
  CHECK(refused.body.find("too many open connections from your address") != std::string::npos);
  second.reset();  // a closed connection frees its place
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  CHECK(HttpClient(server.port()).get("/healthz").status == 200);
}

TEST_CASE("request bodies past max_body_memory held at once get 503 with Retry-After") {
  TempDir dir;
  TestServer server(dir, "all", test_config(),
                    {{"ORCHESTRA_SERVER__MAX_BODY_BYTES", "1000"},
                     {"ORCHESTRA_SERVER__MAX_BODY_MEMORY", "1500"}});
  boost::asio::io_context context;
  auto slow = slow_upload(context, server.port());
  auto refused = HttpClient(server.port()).post("/api/v1/auth/login", std::string(600, ' '));
  CHECK(refused.status == 503);
  CHECK(refused.header("retry-after") == "1");
  CHECK(refused.body.find("request bodies") != std::string::npos);
  slow->close();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  auto small = HttpClient(server.port()).post("/api/v1/auth/login", std::string(600, ' '));
  CHECK(small.status == 400);
}

TEST_CASE("one address cannot hold more than a sixteenth of max_body_memory in request bodies") {
  TempDir dir;
  TestServer server(dir, "all", test_config(),
                    {{"ORCHESTRA_SERVER__MAX_BODY_BYTES", "1000"},
                     {"ORCHESTRA_SERVER__MAX_BODY_MEMORY", "16000"}});
  boost::asio::io_context context;
  auto slow = slow_upload(context, server.port());
  // 1,600 bytes is well within the 16,000 in all, but not within this address's 1,000.
  auto refused = HttpClient(server.port()).post("/api/v1/auth/login", std::string(600, ' '));
  CHECK(refused.status == 503);
}
