#pragma once
// Who the client is: the TCP peer, or, when the peer is a trusted proxy,
// the address that the proxies recorded in X-Forwarded-For; and the block
// an address belongs to for rate limits (an IPv6 host usually holds a
// whole /64, so limiting single addresses would limit nothing).

#include <boost/asio/ip/address.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace orchestra::http {

// An address with a prefix length: "10.0.0.0/8", "::1/128"; a bare
// address is the network of that one address.
struct Network {
  boost::asio::ip::address address;
  unsigned prefix = 0;
  bool contains(const boost::asio::ip::address& candidate) const;
};

std::optional<Network> parse_network(std::string_view text);

class TrustedProxies {
 public:
  TrustedProxies() = default;
  // Each entry must parse (checked when the configuration is read).
  explicit TrustedProxies(const std::vector<std::string>& networks);

  bool contains(const boost::asio::ip::address& address) const;
  // The client behind `peer`: the right-most X-Forwarded-For entry that is
  // not itself a trusted proxy, when `peer` is one; otherwise `peer`.
  boost::asio::ip::address client(const boost::asio::ip::address& peer,
                                  std::optional<std::string_view> forwarded_for) const;

 private:
  std::vector<Network> networks_;
};

// An IPv4 address as itself (also when mapped into IPv6), an IPv6 address
// as its /64: "2001:db8:1:2::/64".
std::string address_block(const boost::asio::ip::address& address);
// The same for an address in text; text that is no address is returned as is.
std::string address_block(std::string_view address);

}  // namespace orchestra::http
