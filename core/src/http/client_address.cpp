#include "http/client_address.hpp"

#include <charconv>

namespace orchestra::http {
namespace {

namespace ip = boost::asio::ip;

// IPv4 clients of a dual-stack socket arrive as ::ffff:a.b.c.d.
ip::address unmapped(const ip::address& address) {
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    return ip::make_address_v4(ip::v4_mapped, address.to_v6());
  }
  return address;
}

std::optional<ip::address> parse_address(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  boost::system::error_code error;
  auto address = ip::make_address(std::string(text), error);
  if (error) return std::nullopt;
  return unmapped(address);
}

// An X-Forwarded-For entry as some proxies write it: "1.2.3.4:5678" and
// "[2001:db8::1]:5678" carry the client's port too.
std::optional<ip::address> parse_forwarded(std::string_view entry) {
  while (!entry.empty() && (entry.front() == ' ' || entry.front() == '\t')) entry.remove_prefix(1);
  while (!entry.empty() && (entry.back() == ' ' || entry.back() == '\t')) entry.remove_suffix(1);
  if (entry.starts_with('[')) {
    auto close = entry.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    return parse_address(entry.substr(1, close - 1));
  }
  if (auto colon = entry.find(':'); colon != std::string_view::npos &&
                                    entry.find(':', colon + 1) == std::string_view::npos) {
    entry = entry.substr(0, colon);
  }
  return parse_address(entry);
}

ip::address_v6::bytes_type masked(ip::address_v6::bytes_type bytes, unsigned prefix) {
  for (unsigned bit = prefix; bit < 128; ++bit) bytes[bit / 8] &= ~(0x80u >> (bit % 8));
  return bytes;
}

}  // namespace

bool Network::contains(const ip::address& candidate) const {
  auto other = unmapped(candidate);
  if (other.is_v4() != address.is_v4()) return false;
  if (address.is_v4()) {
    auto mask = prefix == 0 ? 0u : ~0u << (32 - prefix);
    return (other.to_v4().to_uint() & mask) == (address.to_v4().to_uint() & mask);
  }
  return masked(other.to_v6().to_bytes(), prefix) == masked(address.to_v6().to_bytes(), prefix);
}

std::optional<Network> parse_network(std::string_view text) {
  auto slash = text.find('/');
  auto address = parse_address(text.substr(0, slash));
  if (!address) return std::nullopt;
  unsigned width = address->is_v4() ? 32 : 128;
  unsigned prefix = width;
  if (slash != std::string_view::npos) {
    auto digits = text.substr(slash + 1);
    auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
    if (error != std::errc{} || end != digits.data() + digits.size() || digits.empty() ||
        prefix > width) {
      return std::nullopt;
    }
  }
  return Network{*address, prefix};
}

TrustedProxies::TrustedProxies(const std::vector<std::string>& networks) {
  for (const auto& text : networks) {
    if (auto network = parse_network(text)) networks_.push_back(*network);
  }
}

bool TrustedProxies::contains(const ip::address& address) const {
  for (const auto& network : networks_) {
    if (network.contains(address)) return true;
  }
  return false;
}

ip::address TrustedProxies::client(const ip::address& peer,
                                   std::optional<std::string_view> forwarded_for) const {
  auto client = unmapped(peer);
  if (!forwarded_for || !contains(client)) return client;
  // Entries are appended by each hop: walk back from the nearest one, and
  // stop at the first that no trusted proxy wrote, or that is no address.
  std::string_view rest = *forwarded_for;
  while (contains(client) && !rest.empty()) {
    auto comma = rest.rfind(',');
    auto entry = comma == std::string_view::npos ? rest : rest.substr(comma + 1);
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(0, comma);
    auto address = parse_forwarded(entry);
    if (!address) break;
    client = *address;
  }
  return client;
}

std::string address_block(const ip::address& address) {
  auto plain = unmapped(address);
  if (plain.is_v4()) return plain.to_string();
  return ip::make_address_v6(masked(plain.to_v6().to_bytes(), 64)).to_string() + "/64";
}

std::string address_block(std::string_view address) {
  auto parsed = parse_address(address);
  return parsed ? address_block(*parsed) : std::string(address);
}

}  // namespace orchestra::http
