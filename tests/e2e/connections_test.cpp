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
