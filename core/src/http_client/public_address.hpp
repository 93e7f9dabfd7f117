#pragma once
// Which addresses a request restricted to public targets may connect to:
// not loopback, private (RFC 1918, fc00::/7), link-local, shared
// (100.64/10), unspecified, multicast or broadcast, in IPv4 or IPv6 (an
// IPv4-mapped IPv6 address is judged as its IPv4 address).

#include <sys/socket.h>

#include <string>

namespace orchestra::http_client {

bool is_public_address(const sockaddr* address);
std::string address_text(const sockaddr* address);

}  // namespace orchestra::http_client
