#include "http_client/public_address.hpp"

#include <orchestra/http_client.hpp>

#include <curl/curl.h>
#include <fmt/format.h>

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>

#include <cstring>
#include <memory>

namespace orchestra::http_client {
namespace {

bool is_public_v4(std::uint32_t host_order) {
  auto in = [host_order](std::uint32_t network, int bits) {
    auto mask = bits == 0 ? 0u : ~0u << (32 - bits);
    return (host_order & mask) == network;
  };
  return !(in(0x00000000, 8) || in(0x0A000000, 8) || in(0x64400000, 10) ||
           in(0x7F000000, 8) || in(0xA9FE0000, 16) || in(0xAC100000, 12) ||
           in(0xC0000000, 24) || in(0xC0A80000, 16) || in(0xC6120000, 15) ||
           in(0xE0000000, 4) || in(0xF0000000, 4));
}

std::uint32_t v4_at(const unsigned char* bytes) {
  std::uint32_t v4;
  std::memcpy(&v4, bytes, 4);
  return ntohl(v4);
}

// Addresses that carry an IPv4 address (mapped, NAT64 64:ff9b::/96, 6to4
// 2002::/16) are judged by it.
bool is_public_v6(const in6_addr& address) {
  const auto* bytes = address.s6_addr;
  static constexpr unsigned char kNat64[12] = {0x00, 0x64, 0xff, 0x9b};
  if (IN6_IS_ADDR_V4MAPPED(&address) || std::memcmp(bytes, kNat64, 12) == 0) {
    return is_public_v4(v4_at(bytes + 12));
  }
  if (bytes[0] == 0x20 && bytes[1] == 0x02) return is_public_v4(v4_at(bytes + 2));
  return !(IN6_IS_ADDR_UNSPECIFIED(&address) || IN6_IS_ADDR_LOOPBACK(&address) ||
           IN6_IS_ADDR_LINKLOCAL(&address) || IN6_IS_ADDR_SITELOCAL(&address) ||
           IN6_IS_ADDR_MULTICAST(&address) || (bytes[0] & 0xFE) == 0xFC);
}

}  // namespace

bool is_public_address(const sockaddr* address) {
  if (address->sa_family == AF_INET) {
    return is_public_v4(ntohl(reinterpret_cast<const sockaddr_in*>(address)->sin_addr.s_addr));
  }
  if (address->sa_family == AF_INET6) {
    return is_public_v6(reinterpret_cast<const sockaddr_in6*>(address)->sin6_addr);
  }
  return false;
}

std::string address_text(const sockaddr* address) {
  char text[INET6_ADDRSTRLEN] = {};
  const void* raw = address->sa_family == AF_INET6
                        ? static_cast<const void*>(
                              &reinterpret_cast<const sockaddr_in6*>(address)->sin6_addr)
                        : &reinterpret_cast<const sockaddr_in*>(address)->sin_addr;
  inet_ntop(address->sa_family, raw, text, sizeof text);
  return text;
}

}  // namespace orchestra::http_client

namespace orchestra::http {

void require_public_target(const std::string& url) {
  using Kind = ClientError::Kind;
  std::unique_ptr<CURLU, void (*)(CURLU*)> parsed(curl_url(), curl_url_cleanup);
  char* scheme = nullptr;
  char* host = nullptr;
  if (curl_url_set(parsed.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK ||
      curl_url_get(parsed.get(), CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
      curl_url_get(parsed.get(), CURLUPART_HOST, &host, 0) != CURLUE_OK) {
    throw ClientError(Kind::invalid_url, "not an absolute http(s) URL with a host");
  }
  std::string scheme_text = scheme, host_text = host;
  curl_free(scheme);
  curl_free(host);
  if (scheme_text != "http" && scheme_text != "https") {
    throw ClientError(Kind::invalid_url, "the URL must be http or https");
  }
  if (host_text.size() > 2 && host_text.front() == '[') {
    host_text = host_text.substr(1, host_text.size() - 2);
  }
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(host_text.c_str(), nullptr, &hints, &found) != 0 || found == nullptr) {
    throw ClientError(Kind::invalid_url, fmt::format("the host {} does not resolve", host_text));
  }
  std::unique_ptr<addrinfo, void (*)(addrinfo*)> owned(found, freeaddrinfo);
  for (auto* entry = found; entry != nullptr; entry = entry->ai_next) {
    if (!http_client::is_public_address(entry->ai_addr)) {
      throw ClientError(Kind::refused_address,
                        fmt::format("the host {} resolves to {}, which is not a public address",
                                    host_text, http_client::address_text(entry->ai_addr)));
    }
  }
}

}  // namespace orchestra::http
