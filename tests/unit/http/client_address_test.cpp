// http::TrustedProxies and address_block: who the client is behind a
// proxy, and the block it is limited as.

#include "http/client_address.hpp"

#include <doctest/doctest.h>

using namespace orchestra::http;
namespace ip = boost::asio::ip;

TEST_CASE("networks parse as address/prefix and refuse anything else") {
  CHECK(parse_network("10.0.0.0/8"));
  CHECK(parse_network("::1"));
  CHECK(parse_network("2001:db8::/32"));
  CHECK_FALSE(parse_network("10.0.0.0/33"));
  CHECK_FALSE(parse_network("10.0.0.0/"));
  CHECK_FALSE(parse_network("example.com"));
  CHECK_FALSE(parse_network(""));
  auto network = *parse_network("10.1.0.0/16");
  CHECK(network.contains(ip::make_address("10.1.200.3")));
  CHECK(network.contains(ip::make_address("::ffff:10.1.0.9")));
  CHECK_FALSE(network.contains(ip::make_address("10.2.0.1")));
  CHECK_FALSE(network.contains(ip::make_address("::1")));
}

TEST_CASE("X-Forwarded-For is believed only from a trusted proxy") {
  TrustedProxies proxies({"127.0.0.1", "10.0.0.0/8"});
  auto proxy = ip::make_address("127.0.0.1");
  auto stranger = ip::make_address("192.0.2.7");
  CHECK(proxies.client(stranger, "203.0.113.9").to_string() == "192.0.2.7");
  CHECK(proxies.client(proxy, std::nullopt).to_string() == "127.0.0.1");
  CHECK(proxies.client(proxy, "203.0.113.9").to_string() == "203.0.113.9");
}

TEST_CASE("the client is the nearest X-Forwarded-For entry no trusted proxy wrote") {
  TrustedProxies proxies({"127.0.0.1", "10.0.0.0/8"});
  auto proxy = ip::make_address("127.0.0.1");
  // The client may send a forged first entry; the proxies' own are on the right.
  CHECK(proxies.client(proxy, "1.2.3.4, 203.0.113.9, 10.0.0.5").to_string() == "203.0.113.9");
  CHECK(proxies.client(proxy, "10.0.0.7, 10.0.0.5").to_string() == "10.0.0.7");
  CHECK(proxies.client(proxy, "garbage, 10.0.0.5").to_string() == "10.0.0.5");
  CHECK(proxies.client(proxy, " 2001:db8::1 ").to_string() == "2001:db8::1");
  // Some proxies add the client's port.
  CHECK(proxies.client(proxy, "203.0.113.9:51234").to_string() == "203.0.113.9");
  CHECK(proxies.client(proxy, "[2001:db8::7]:443").to_string() == "2001:db8::7");
}

TEST_CASE("IPv4 addresses are limited alone, IPv6 addresses per /64") {
  CHECK(address_block(ip::make_address("192.0.2.7")) == "192.0.2.7");
  CHECK(address_block(ip::make_address("::ffff:192.0.2.7")) == "192.0.2.7");
  CHECK(address_block(ip::make_address("2001:db8:1:2:aaaa::1")) == "2001:db8:1:2::/64");
  CHECK(address_block("2001:db8:1:2:ffff:ffff:ffff:ffff") == "2001:db8:1:2::/64");
  CHECK(address_block("not an address") == "not an address");
}
