// libFuzzer target for request heads and bodies: bytes as they would
// arrive on one connection go through Beast's parser with the server's
// limits, the framing check, and the target through the query parser and
// the router, request after request as on a kept-alive connection. What
// the framing check accepts with a Transfer-Encoding must be chunked.

#include "http/framing.hpp"
#include "http/router.hpp"
#include "http/url.hpp"

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

namespace bhttp = boost::beast::http;
using orchestra::http::Method;

const orchestra::http::Router& router() {
  static const auto instance = [] {
    orchestra::http::Router routes;
    auto answer = [](const orchestra::http::Request&) { return orchestra::http::Response{}; };
    for (const char* path : {"/healthz", "/api/v1/tasks", "/api/v1/tasks/{id}",
                             "/api/v1/tasks/{id}/rerun", "/api/v1/auth/users/{login}/scopes/{scope}",
                             "/console/{file}", "/api/v1/search"}) {
      routes.add(Method::get, path, answer, {}, "core");
      routes.add(Method::post, path, answer, {}, "core");
    }
    return routes;
  }();
  return instance;
}

Method method_of(bhttp::verb verb) {
  switch (verb) {
    case bhttp::verb::post: return Method::post;
    case bhttp::verb::put: return Method::put;
    case bhttp::verb::delete_: return Method::delete_;
    default: return Method::get;
  }
}

void route(std::string_view target, bhttp::verb verb) {
  auto question = target.find('?');
  if (question != std::string_view::npos) orchestra::http::parse_query(target.substr(question + 1));
  auto path = target.substr(0, question);
  auto match = router().match(method_of(verb), path);
  if (match.kind == orchestra::http::Match::Kind::found) {
    orchestra::http::percent_decode(path, false);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  boost::beast::flat_buffer buffer;
  auto bytes = buffer.prepare(size);
  std::memcpy(bytes.data(), data, size);
  buffer.commit(size);
  for (int request = 0; request < 16 && buffer.size() > 0; ++request) {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(16 << 10);
    parser.body_limit(1 << 20);
    parser.eager(true);
    boost::beast::error_code error;
    for (;;) {  // the head, then the body, as the server's reads would
      auto used = parser.put(buffer.data(), error);
      buffer.consume(used);
      if (error != bhttp::error::need_more || used == 0) break;
      error = {};
    }
    if (error || !parser.is_done()) return 0;
    const auto& head = parser.get();
    std::optional<std::string> codings;
    for (auto [line, end] = head.equal_range(bhttp::field::transfer_encoding); line != end; ++line) {
      codings = (codings ? *codings + "," : std::string()) + std::string(line->value());
    }
    if (orchestra::http::framing_problem(codings, head.count(bhttp::field::content_length) > 0)) {
      return 0;
    }
    // What the framing check lets through is read the way every hop reads
    // it: a Transfer-Encoding means a chunked body, never "no body".
    if (codings && !parser.chunked()) std::abort();
    route(head.target(), head.method());
  }
  return 0;
}
