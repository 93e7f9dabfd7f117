// Which addresses a request restricted to public targets may reach.

#include "http_client/public_address.hpp"

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>
#include <string>

using orchestra::http_client::is_public_address;

namespace {

bool is_public(const std::string& text) {
  sockaddr_storage storage{};
  if (text.find(':') == std::string::npos) {
    auto* v4 = reinterpret_cast<sockaddr_in*>(&storage);
    v4->sin_family = AF_INET;
    REQUIRE(inet_pton(AF_INET, text.c_str(), &v4->sin_addr) == 1);
  } else {
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&storage);
    v6->sin6_family = AF_INET6;
    REQUIRE(inet_pton(AF_INET6, text.c_str(), &v6->sin6_addr) == 1);
  }
  return is_public_address(reinterpret_cast<sockaddr*>(&storage));
}

}  // namespace

TEST_CASE("public addresses: the internet is public, the rest is not") {
  for (const char* open : {"8.8.8.8", "1.1.1.1", "2606:4700::1111", "::ffff:8.8.8.8",
                           "64:ff9b::808:808", "2002:808:808::1"}) {
    CHECK_MESSAGE(is_public(open), open);
  }
  for (const char* closed :
       {"127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1",
        "0.0.0.0", "192.0.0.8", "198.18.0.1", "224.0.0.1", "255.255.255.255", "::1", "::",
        "fe80::1", "fc00::1", "fd12::1", "fec0::1", "ff02::1", "::ffff:127.0.0.1",
        "64:ff9b::a9fe:a9fe", "2002:7f00:1::1"}) {
    CHECK_MESSAGE(!is_public(closed), closed);
  }
}
