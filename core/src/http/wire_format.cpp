#include "http/wire_format.hpp"

#include <charconv>

namespace orchestra::http {
namespace {

bool safe(std::string_view text) { return text.find_first_of("\r\n") == std::string_view::npos; }

void append_number(std::string& out, std::size_t value) {
  char digits[24];
  auto [end, error] = std::to_chars(digits, digits + sizeof digits, value);
  out.append(digits, end);
}

void append_header(std::string& out, std::string_view name, std::string_view value) {
  if (!safe(name) || !safe(value) || name.empty()) return;
  out += name;
  out += ": ";
  out += value;
  out += "\r\n";
}

}  // namespace

std::string serialize_response(const Response& response, unsigned version, bool keep_alive,
                               bool head) {
  std::string out;
  out.reserve(160 + response.body.size());
  out += version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
  append_number(out, static_cast<std::size_t>(response.status));
  out += ' ';
  out += status_reason(response.status);
  out += "\r\nServer: orchestra\r\n";
  append_header(out, "Content-Type", response.content_type);
  for (const auto& [name, value] : response.headers) append_header(out, name, value);
  if (response.stream) {
    // Ends when the connection closes: the length is not known up front.
    keep_alive = false;
  } else {
    out += "Content-Length: ";
    append_number(out, response.body.size());
    out += "\r\n";
  }
  if (!keep_alive && version != 10) out += "Connection: close\r\n";
  if (keep_alive && version == 10) out += "Connection: keep-alive\r\n";
  out += "\r\n";
  if (!head) out += response.body;
  return out;
}

}  // namespace orchestra::http
