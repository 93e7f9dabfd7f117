#pragma once
// The HTTP surface plugins see: requests, responses, errors and routes.
// Plugins never include Boost.Beast; the core adapts these value types.

#include <boost/config.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace orchestra::http {

enum class Method { get, head, post, put, patch, delete_, options };
std::string_view method_name(Method method);

// Who is calling: a user (from an access token) or a service token.
struct Principal {
  std::string subject;  // user id, or "service:<token id>"
  std::string name;     // user login or service token name
  std::vector<std::string> scopes;
  bool service = false;
  // True when the principal holds `scope` or `admin`, which implies all.
  bool has_scope(std::string_view scope) const;
};

// A request as a handler sees it: path parameters and query are already
// percent-decoded; header names are matched case-insensitively.
class Request {
 public:
  Method method = Method::get;
  std::string target;            // raw request target, as received
  std::string path;              // decoded path, no query
  std::string route;             // matched template, e.g. /api/v1/echo/{id}
  std::string request_id;
  std::string client_address;  // peer IP address
  std::string body;
  std::map<std::string, std::string> path_params;
  std::multimap<std::string, std::string> query;
  std::vector<std::pair<std::string, std::string>> headers;
  // Set by the host before the handler runs on every route that is not
  // public; handlers of public routes see nullopt.
  std::optional<Principal> principal;

  std::optional<std::string> header(std::string_view name) const;
  // The principal of a non-public route; throws HttpError 401 otherwise.
  const Principal& caller() const;
  std::optional<std::string> query_param(const std::string& name) const;
  // An integer query parameter in [min, max], `fallback` when absent;
  // throws HttpError 400 naming the parameter and the range otherwise.
  std::int64_t query_int(const std::string& name, std::int64_t fallback, std::int64_t min,
                         std::int64_t max) const;
  // Throws HttpError 404 when the template has no such parameter.
  const std::string& path_param(const std::string& name) const;
};

// The body of a long-lived response (Server-Sent Events), written from any
// thread while the connection stays open. The server sends what is written
// as it arrives and a comment line when nothing was written for
// `server.stream_keepalive`; it closes the stream when the client goes away
// or the server drains, and a writer that falls more than `max_buffered`
// bytes behind a slow client closes it too (the client reconnects).
class BOOST_SYMBOL_VISIBLE StreamBody {
 public:
  explicit StreamBody(std::size_t max_buffered = 1 << 20) : max_buffered_(max_buffered) {}
  // Queues `text` to be sent; false once the stream is closed.
  bool write(std::string text);
  void close();
  bool closed() const;
  // Called once, on the closing thread, when the stream closes.
  void on_close(std::function<void()> callback);

  // For the server: takes what is queued; `wake` is called (under the
  // stream's lock) whenever there is something new to take, until detach.
  std::string take();
  void attach(std::function<void()> wake);
  void detach();

 private:
  mutable std::mutex mutex_;
  std::size_t max_buffered_;
  std::string pending_;
  bool closed_ = false;
  std::function<void()> wake_;
  std::function<void()> on_close_;
};

class Response {
 public:
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // Set for a streamed response: `body` is sent first, then whatever the
  // stream is written, until it closes.
  std::shared_ptr<StreamBody> stream;

  static Response json(int status, std::string body);
  static Response text(int status, std::string body,
                       std::string content_type = "text/plain; charset=utf-8");
  // RFC 9457 problem details.
  static Response problem(int status, std::string_view detail,
                          std::string_view title = {});
  // A text/event-stream response fed by `stream`.
  static Response event_stream(std::shared_ptr<StreamBody> stream, std::string first = {});
};

// Thrown by handlers (or helpers) to answer with a problem response.
class BOOST_SYMBOL_VISIBLE HttpError : public std::runtime_error {
 public:
  HttpError(int status, std::string detail, std::string title = {});
  int status() const { return status_; }
  const std::string& title() const { return title_; }
  const std::string& detail() const { return detail_; }
  std::vector<std::pair<std::string, std::string>> headers;

 private:
  int status_;
  std::string title_;
  std::string detail_;
};

std::string_view status_reason(int status);

using Handler = std::function<Response(const Request&)>;

// Where a handler runs. `blocking` handlers (database work, anything that
// may wait) run on the handler pool so they never stall the reactor;
// `inline_` handlers must be quick and non-blocking and run on the reactor.
enum class Execution { blocking, inline_ };

// Who may call a route. The default is `authenticated`, so a route that
// forgets to declare its requirement is protected, not open.
class Access {
 public:
  enum class Kind { public_, authenticated, scope };
  static Access public_() { return Access(Kind::public_, {}); }
  static Access authenticated() { return Access(Kind::authenticated, {}); }
  // Needs a token holding `name` (or `admin`).
  static Access scope(std::string name) { return Access(Kind::scope, std::move(name)); }

  Kind kind() const { return kind_; }
  const std::string& scope_name() const { return scope_; }

 private:
  Access(Kind kind, std::string scope) : kind_(kind), scope_(std::move(scope)) {}
  Kind kind_;
  std::string scope_;
};

// A query parameter as /openapi.json shows it.
struct QueryParameter {
  QueryParameter(std::string name, std::string schema, std::string description = {},
                 bool required = false)
      : name(std::move(name)),
        schema(std::move(schema)),
        description(std::move(description)),
        required(required) {}
  std::string name;
  std::string schema;  // JSON Schema, e.g. R"({"type":"integer","minimum":1})"
  std::string description;
  bool required = false;
};

struct RouteOptions {
  // {summary, execution, access, request, responses, query}, each optional.
  RouteOptions(std::string summary = {}, Execution execution = Execution::blocking,
               Access access = Access::authenticated(), std::string request = {},
               std::map<int, std::string> responses = {}, std::vector<QueryParameter> query = {})
      : summary(std::move(summary)),
        execution(execution),
        access(std::move(access)),
        request(std::move(request)),
        responses(std::move(responses)),
        query(std::move(query)) {}
  std::string summary;
  Execution execution = Execution::blocking;
  Access access = Access::authenticated();
  // JSON Schemas (2020-12, in the subset RapidJSON's draft-04 validator
  // reads the same way: type, properties, required, items, enum, minimum,
  // maximum, minLength, maxLength, additionalProperties). They are the
  // route's contract in /openapi.json, and with server.validate_responses
  // (on in the tests) every answer is checked against them: a response
  // body that does not match, or a request body the route accepted though
  // its schema refuses it, becomes a 500 naming the difference. A malformed
  // schema stops start-up.
  std::string request;                   // the JSON body; empty: none
  std::map<int, std::string> responses;  // JSON body per status; "": none, or not JSON
  // Query parameters; one named as a path segment ("{id}") describes it.
  std::vector<QueryParameter> query;
};

// Route registration for one owner. Paths are templates: literal segments
// and `{name}` parameters. Plugin routes are mounted under
// /api/v1/<plugin>/, so a plugin registers "/items/{id}".
class BOOST_SYMBOL_VISIBLE Routes {
 public:
  virtual ~Routes() = default;
  virtual void add(Method method, const std::string& path, Handler handler,
                   RouteOptions options = {}) = 0;
  // A route directly under /api/v1/ ("/search" is /api/v1/search), for an
  // API the plugin serves for the whole deployment rather than for itself;
  // a path another plugin or the core holds stops start-up.
  virtual void add_shared(Method method, const std::string& path, Handler handler,
                          RouteOptions options = {}) = 0;
};

}  // namespace orchestra::http
