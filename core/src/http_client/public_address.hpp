#pragma once
// Which addresses a request restricted to public targets may connect to:
// not loopback, private (RFC 1918, fc00::/7, fec0::/10), link-local, shared
// (100.64/10), IETF protocol (192.0.0/24), benchmarking (198.18/15),
// unspecified, multicast or broadcast, in IPv4 or IPv6 (an IPv6 address
// that embeds an IPv4 one, mapped, NAT64 or 6to4, is judged by it).

#include <sys/socket.h>

#include <string>

namespace orchestra::http_client {

bool is_public_address(const sockaddr* address);
std::string address_text(const sockaddr* address);

}  // namespace orchestra::http_client
