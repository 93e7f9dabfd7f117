#include "support/fake_steam.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <charconv>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>

namespace orchestra::testing {
namespace {

using Clock = std::chrono::steady_clock;
using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

constexpr std::size_t kMaxHeadBytes = 64 * 1024;
constexpr int kDefaultMaxResults = 10000;
constexpr int kMaxResultsCap = 50000;

// ---- HTTP ----

struct Request {
  std::string method;
  std::string path;
  std::map<std::string, std::string> query;
  std::size_t body_length = 0;
  bool keep_alive = true;
  bool valid = false;

  bool has(const std::string& name) const { return query.count(name) > 0; }
  std::string param(const std::string& name) const {
    auto it = query.find(name);
    return it == query.end() ? std::string() : it->second;
  }
};

struct Response {
  int status = 200;
  std::string content_type;
  std::string body;
  std::optional<int> retry_after;
};

template <typename Number>
std::optional<Number> parse_number(std::string_view text) {
  Number value{};
  const char* end = text.data() + text.size();
  auto [stop, error] = std::from_chars(text.data(), end, value);
  if (error != std::errc() || stop != end) return std::nullopt;
  return value;
}

std::string lower(std::string_view text) {
  std::string result(text);
  std::transform(result.begin(), result.end(), result.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return result;
}

std::string upper(std::string_view text) {
  std::string result(text);
  std::transform(result.begin(), result.end(), result.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return result;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

bool decode_hex_pair(std::string_view pair, char& out) {
  unsigned value = 0;
  const char* end = pair.data() + pair.size();
  auto [stop, error] = std::from_chars(pair.data(), end, value, 16);
  if (error != std::errc() || stop != end) return false;
  out = static_cast<char>(value);
  return true;
}

// '+' is a space too: clients that form-encode queries send it.
std::string percent_decode(std::string_view text) {
  std::string result;
  result.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char decoded = 0;
    if (text[i] == '%' && i + 2 < text.size() && decode_hex_pair(text.substr(i + 1, 2), decoded)) {
      result += decoded;
      i += 2;
    } else {
      result += text[i] == '+' ? ' ' : text[i];
    }
  }
  return result;
}

std::map<std::string, std::string> parse_query(std::string_view query) {
  std::map<std::string, std::string> params;
  while (!query.empty()) {
    auto amp = query.find('&');
    auto pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    auto equals = pair.find('=');
    auto value = equals == std::string_view::npos ? std::string()
                                                  : percent_decode(pair.substr(equals + 1));
    params.emplace(percent_decode(pair.substr(0, equals)), std::move(value));
  }
  return params;
}

void apply_header(std::string_view line, Request& request) {
  auto colon = line.find(':');
  if (colon == std::string_view::npos) return;
  auto name = lower(trim(line.substr(0, colon)));
  auto value = lower(trim(line.substr(colon + 1)));
  if (name == "connection") {
    if (value.find("close") != std::string::npos) {
      request.keep_alive = false;
    } else if (value.find("keep-alive") != std::string::npos) {
      request.keep_alive = true;
    }
  } else if (name == "content-length") {
    auto length = parse_number<std::size_t>(value);
    if (!length) request.valid = false;
    request.body_length = length.value_or(0);
  } else if (name == "transfer-encoding") {
    // Chunked request bodies are not expected; answer, then close rather than misparse.
    request.keep_alive = false;
  }
}

Request parse_request(std::string_view head) {
  Request request;
  auto line_end = head.find("\r\n");
  auto line = head.substr(0, line_end);
  auto first_space = line.find(' ');
  auto last_space = line.rfind(' ');
  if (first_space == std::string_view::npos || last_space == first_space) return request;
  auto target = line.substr(first_space + 1, last_space - first_space - 1);
  auto version = line.substr(last_space + 1);
  auto question = target.find('?');
  request.method = line.substr(0, first_space);
  request.path = target.substr(0, question);
  if (question != std::string_view::npos) request.query = parse_query(target.substr(question + 1));
  request.valid = version.substr(0, 7) == "HTTP/1.";
  request.keep_alive = version == "HTTP/1.1";  // 1.0 closes unless asked not to
  auto rest = line_end == std::string_view::npos ? std::string_view() : head.substr(line_end + 2);
  while (!rest.empty()) {
    auto end = rest.find("\r\n");
    apply_header(rest.substr(0, end), request);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 2);
  }
  return request;
}

// Reads up to the end of a request head; bytes after it stay in `buffer`
// for the next request.
bool read_head(int socket, std::string& buffer, std::string& head) {
  char chunk[8192];
  while (true) {
    auto end = buffer.find("\r\n\r\n");
    if (end != std::string::npos) {
      head = buffer.substr(0, end);
      buffer.erase(0, end + 4);
      return true;
    }
    if (buffer.size() > kMaxHeadBytes) return false;
    auto count = ::recv(socket, chunk, sizeof chunk, 0);
    if (count <= 0) return false;
    buffer.append(chunk, static_cast<std::size_t>(count));
  }
}

// Discards a body the client sent anyway, so the next request parses.
bool skip_body(int socket, std::string& buffer, std::size_t length) {
  auto buffered = std::min(length, buffer.size());
  buffer.erase(0, buffered);
  length -= buffered;
  char chunk[8192];
  while (length > 0) {
    auto count = ::recv(socket, chunk, std::min(length, sizeof chunk), 0);
    if (count <= 0) return false;
    length -= static_cast<std::size_t>(count);
  }
  return true;
}

bool send_all(int socket, std::string_view data) {
  while (!data.empty()) {
    auto sent = ::send(socket, data.data(), data.size(), MSG_NOSIGNAL);
    if (sent <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(sent));
  }
  return true;
}

std::string_view reason(int status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "Status";
  }
}

std::string serialize(const Response& response, bool keep_alive) {
  auto text = fmt::format("HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\n",
                          response.status, reason(response.status), response.content_type,
                          response.body.size());
  if (response.retry_after) text += fmt::format("Retry-After: {}\r\n", *response.retry_after);
  text += keep_alive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n";
  text += response.body;
  return text;
}

Response json_response(int status, std::string body) {
  Response response;
  response.status = status;
  response.content_type = "application/json; charset=utf-8";
  response.body = std::move(body);
  return response;
}

// Steam's front end answers errors with HTML pages, not JSON.
Response html_response(int status) {
  Response response;
  response.status = status;
  response.content_type = "text/html; charset=utf-8";
  response.body = fmt::format(
      "<html><head><title>{0} {1}</title></head><body><h1>{0} {1}</h1></body></html>", status,
      reason(status));
  return response;
}

// ---- Catalogue and prices ----

FakeSteamApp default_app(std::int64_t id) {
  FakeSteamApp app;
  app.id = id;
  app.name = fmt::format("App {}", id);
  app.free = id / 10 % 7 == 0;
  return app;
}

struct Currency {
  std::string_view code;
  int scale_percent;  // price relative to the US one
  std::string_view prefix;
  std::string_view suffix;
  bool decimal_comma;
  bool whole_units;  // yen are shown without minor units (amounts still carry them, as on Steam)
};

Currency currency_for(const std::string& country) {
  if (country == "GB") return {"GBP", 80, "\u00a3", "", false, false};
  if (country == "DE" || country == "FR") return {"EUR", 90, "", "\u20ac", true, false};
  if (country == "JP") return {"JPY", 15000, "\u00a5 ", "", false, true};
  return {"USD", 100, "$", "", false, false};
}

std::string group_thousands(std::int64_t value, char separator) {
  auto digits = std::to_string(value);
  for (auto at = static_cast<std::ptrdiff_t>(digits.size()) - 3; at > 0; at -= 3) {
    digits.insert(static_cast<std::size_t>(at), 1, separator);
  }
  return digits;
}

std::string format_amount(const Currency& currency, std::int64_t minor_units) {
  auto number = group_thousands(minor_units / 100, currency.decimal_comma ? '.' : ',');
  if (!currency.whole_units) {
    number += fmt::format("{}{:02}", currency.decimal_comma ? ',' : '.', minor_units % 100);
  }
  return fmt::format("{}{}{}", currency.prefix, number, currency.suffix);
}

struct Price {
  std::int64_t initial = 0;
  std::int64_t final_amount = 0;
  int discount_percent = 0;
};

Price price_of(std::int64_t app_id, const Currency& currency) {
  Price price;
  price.initial = (1000 + app_id % 50 * 100) * currency.scale_percent / 100;
  price.discount_percent = static_cast<int>(app_id % 3 * 25);
  price.final_amount = price.initial * (100 - price.discount_percent) / 100;
  return price;
}

// ---- JSON ----

void write_key(JsonWriter& json, std::string_view name) {
  json.Key(name.data(), static_cast<rapidjson::SizeType>(name.size()));
}

void write_string(JsonWriter& json, std::string_view text) {
  json.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
}

void write_empty_array(JsonWriter& json) {
  json.StartArray();
  json.EndArray();
}

std::string finish(const rapidjson::StringBuffer& buffer) {
  return std::string(buffer.GetString(), buffer.GetSize());
}

void write_price_overview(JsonWriter& json, std::int64_t app_id, const Currency& currency) {
  auto price = price_of(app_id, currency);
  write_key(json, "price_overview");
  json.StartObject();
  write_key(json, "currency");
  write_string(json, currency.code);
  write_key(json, "initial");
  json.Int64(price.initial);
  write_key(json, "final");
  json.Int64(price.final_amount);
  write_key(json, "discount_percent");
  json.Int(price.discount_percent);
  write_key(json, "initial_formatted");
  write_string(json, format_amount(currency, price.initial));
  write_key(json, "final_formatted");
  write_string(json, format_amount(currency, price.final_amount));
  json.EndObject();
}

void write_string_list(JsonWriter& json, std::string_view key, const std::string& item,
                       bool as_array) {
  write_key(json, key);
  if (!as_array) return write_string(json, item);
  json.StartArray();
  write_string(json, item);
  json.EndArray();
}

void write_platforms(JsonWriter& json, bool odd) {
  write_key(json, "platforms");
  if (odd) {
    json.Null();
    return;
  }
  json.StartObject();
  write_key(json, "windows");
  json.Bool(true);
  write_key(json, "mac");
  json.Bool(false);
  write_key(json, "linux");
  json.Bool(true);
  json.EndObject();
}

void write_categories(JsonWriter& json) {
  write_key(json, "categories");
  json.StartArray();
  for (auto [id, description] : {std::pair{2, "Single-player"}, std::pair{1, "Multi-player"}}) {
    json.StartObject();
    write_key(json, "id");
    json.Int(id);
    write_key(json, "description");
    write_string(json, description);
    json.EndObject();
  }
  json.EndArray();
}

// Real genres carry string ids; the odd variant has numbers where strings belong.
void write_genres(JsonWriter& json, bool odd) {
  write_key(json, "genres");
  json.StartArray();
  json.StartObject();
  if (odd) {
    write_key(json, "id");
    json.Int(1);
    write_key(json, "description");
    json.Int(5);
  } else {
    write_key(json, "id");
    json.String("1");
    write_key(json, "description");
    json.String("Action");
  }
  json.EndObject();
  json.EndArray();
}

void write_release_date(JsonWriter& json, bool odd) {
  write_key(json, "release_date");
  if (odd) {
    json.String("2012");
    return;
  }
  json.StartObject();
  write_key(json, "coming_soon");
  json.Bool(false);
  write_key(json, "date");
  json.String("21 Aug, 2012");
  json.EndObject();
}

void write_full_details(JsonWriter& json, const FakeSteamApp& app, const Currency& currency) {
  bool odd = app.odd_types;
  json.StartObject();
  write_key(json, "type");
  json.String("game");
  write_key(json, "name");
  write_string(json, app.name);
  write_key(json, "steam_appid");
  json.Int64(app.id);
  write_key(json, "required_age");
  json.Int(0);
  write_key(json, "is_free");
  if (odd) {
    json.String("no");
  } else {
    json.Bool(app.free);
  }
  write_key(json, "short_description");
  write_string(json, fmt::format("Short description of {}.", app.name));
  write_string_list(json, "developers", fmt::format("Dev {}", app.id), !odd);
  write_string_list(json, "publishers", fmt::format("Pub {}", app.id), true);
  if (odd) {
    write_key(json, "price_overview");
    write_empty_array(json);
  } else if (!app.free) {
    write_price_overview(json, app.id, currency);
  }
  write_platforms(json, odd);
  write_categories(json);
  write_genres(json, odd);
  write_release_date(json, odd);
  json.EndObject();
}

// `key` is the id as the client wrote it; Steam echoes it back.
std::string full_details_body(const std::string& key, const FakeSteamApp* app,
                              const Currency& currency) {
  rapidjson::StringBuffer buffer;
  JsonWriter json(buffer);
  bool found = app != nullptr && app->success;
  json.StartObject();
  write_key(json, key);
  json.StartObject();
  write_key(json, "success");
  json.Bool(found);
  if (found) {
    write_key(json, "data");
    write_full_details(json, *app, currency);
  }
  json.EndObject();
  json.EndObject();
  return finish(buffer);
}

// Steam answers a free app's price with an empty array, not an object.
void write_price_data(JsonWriter& json, const FakeSteamApp& app, const Currency& currency) {
  if (app.free && !app.odd_types) return write_empty_array(json);
  json.StartObject();
  if (app.odd_types) {
    write_key(json, "price_overview");
    write_empty_array(json);
  } else {
    write_price_overview(json, app.id, currency);
  }
  json.EndObject();
}

void write_price_entry(JsonWriter& json, const FakeSteamApp* app, const Currency& currency) {
  bool found = app != nullptr && app->success;
  json.StartObject();
  write_key(json, "success");
  json.Bool(found);
  if (found) {
    write_key(json, "data");
    write_price_data(json, *app, currency);
  }
  json.EndObject();
}

void write_app_list_entry(JsonWriter& json, const FakeSteamApp& app, bool with_store_fields) {
  json.StartObject();
  write_key(json, "appid");
  json.Int64(app.id);
  write_key(json, "name");
  write_string(json, app.name);
  if (with_store_fields) {
    write_key(json, "last_modified");
    json.Int64(1700000000);
    write_key(json, "price_change_number");
    json.Int64(123);
  }
  json.EndObject();
}

// Real Steam leaves out have_more_results and last_appid on the last page,
// and "apps" too when the page is empty.
std::string app_list_v1_body(const std::map<std::int64_t, FakeSteamApp>& apps, std::int64_t after,
                             int max_results) {
  rapidjson::StringBuffer buffer;
  JsonWriter json(buffer);
  json.StartObject();
  write_key(json, "response");
  json.StartObject();
  auto it = apps.upper_bound(after);
  if (it != apps.end()) {
    std::int64_t last_id = 0;
    write_key(json, "apps");
    json.StartArray();
    for (int written = 0; it != apps.end() && written < max_results; ++it, ++written) {
      write_app_list_entry(json, it->second, true);
      last_id = it->first;
    }
    json.EndArray();
    if (it != apps.end()) {
      write_key(json, "have_more_results");
      json.Bool(true);
      write_key(json, "last_appid");
      json.Int64(last_id);
    }
  }
  json.EndObject();
  json.EndObject();
  return finish(buffer);
}

std::string app_list_v2_body(const std::map<std::int64_t, FakeSteamApp>& apps) {
  rapidjson::StringBuffer buffer;
  JsonWriter json(buffer);
  json.StartObject();
  write_key(json, "applist");
  json.StartObject();
  write_key(json, "apps");
  json.StartArray();
  for (const auto& entry : apps) write_app_list_entry(json, entry.second, false);
  json.EndArray();
  json.EndObject();
  json.EndObject();
  return finish(buffer);
}

std::vector<std::string> split_ids(std::string_view text) {
  std::vector<std::string> ids;
  while (!text.empty()) {
    auto comma = text.find(',');
    auto id = trim(text.substr(0, comma));
    if (!id.empty()) ids.emplace_back(id);
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
  }
  return ids;
}

std::string without_trailing_slash(std::string path) {
  if (path.size() > 1 && path.back() == '/') path.pop_back();
  return path;
}

enum class FaultKind { fail, throttle, delay, truncate };

struct Fault {
  FaultKind kind = FaultKind::fail;
  int status = 0;
  std::optional<int> retry_after;
  std::chrono::milliseconds delay{0};
};

// What happens to a store request, decided when it arrives.
struct Admission {
  std::optional<Fault> fault;
  bool over_limit = false;
};

}  // namespace

struct FakeSteam::Impl {
  int listener = -1;
  std::uint16_t port = 0;
  std::atomic<bool> stopping{false};
  std::thread acceptor;
  std::vector<std::thread> connections;  // appended by the acceptor only, under `mutex`
  std::set<int> live_sockets;            // closed only under `mutex`, so never reused under us
  std::condition_variable stopped;       // cuts artificial delays short

  // Guards the containers above (the acceptor appends, the destructor reads
  // after joining it) and everything below.
  mutable std::mutex mutex;
  std::map<std::int64_t, FakeSteamApp> apps;
  std::deque<Fault> faults;
  int limit_requests = 0;
  std::chrono::milliseconds limit_window{0};
  std::deque<Clock::time_point> limiter_times;
  int store_requests = 0;
  int list_requests = 0;
  std::map<std::int64_t, int> detail_requests;
  std::vector<Clock::time_point> store_times;

  explicit Impl(int app_count) {
    add_apps(app_count);
    listen_on_loopback();
    acceptor = std::thread([this] { accept_loop(); });
  }

  ~Impl() {
    {
      std::lock_guard lock(mutex);
      stopping = true;
      // Wakes connections blocked in recv or send; they close their own sockets.
      for (int socket : live_sockets) ::shutdown(socket, SHUT_RDWR);
    }
    stopped.notify_all();
    ::shutdown(listener, SHUT_RDWR);
    acceptor.join();
    for (auto& connection : connections) connection.join();
    ::close(listener);
  }

  void listen_on_loopback() {
    listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int yes = 1;
    ::setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (listener < 0 ||
        ::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(listener, 64) != 0 ||
        ::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      if (listener >= 0) ::close(listener);
      throw std::runtime_error("fake steam: cannot listen");
    }
    port = ntohs(address.sin_port);
  }

  void add_apps(int count) {
    std::lock_guard lock(mutex);
    std::int64_t next = apps.empty() ? 10 : apps.rbegin()->first + 10;
    for (int i = 0; i < count; ++i, next += 10) apps[next] = default_app(next);
  }

  // Polls so that stopping is noticed even if shutdown() did not wake accept.
  void accept_loop() {
    while (!stopping) {
      pollfd ready{listener, POLLIN, 0};
      if (::poll(&ready, 1, 100) <= 0) continue;
      int client = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
      if (client < 0) continue;
      int yes = 1;
      ::setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
      start_connection(client);
    }
  }

  void start_connection(int client) {
    std::lock_guard lock(mutex);
    if (stopping) {
      ::close(client);
      return;
    }
    live_sockets.insert(client);
    try {
      connections.emplace_back([this, client] { serve(client); });
    } catch (const std::system_error&) {
      live_sockets.erase(client);
      ::close(client);
    }
  }

  void serve(int client) {
    std::string buffer;
    std::string head;
    while (!stopping && read_head(client, buffer, head)) {
      auto request = parse_request(head);
      if (!request.valid) {
        send_all(client, serialize(html_response(400), false));
        break;
      }
      if (!skip_body(client, buffer, request.body_length)) break;
      auto response = answer(request);
      if (stopping || !send_all(client, serialize(response, request.keep_alive))) break;
      if (!request.keep_alive) break;
    }
    std::lock_guard lock(mutex);
    live_sockets.erase(client);
    ::close(client);
  }

  Response answer(const Request& request) {
    if (request.method != "GET") return html_response(404);
    auto path = without_trailing_slash(request.path);
    if (path == "/api/appdetails") return answer_store(request);
    if (path == "/IStoreService/GetAppList/v1") return answer_app_list_v1(request);
    if (path == "/ISteamApps/GetAppList/v2") return answer_app_list_v2();
    return html_response(404);
  }

  Response answer_app_list_v1(const Request& request) {
    std::lock_guard lock(mutex);
    ++list_requests;
    if (request.param("key").empty()) return html_response(403);
    auto requested = parse_number<int>(request.param("max_results")).value_or(0);
    int max_results = requested <= 0 ? kDefaultMaxResults : std::min(requested, kMaxResultsCap);
    auto after = parse_number<std::int64_t>(request.param("last_appid")).value_or(0);
    return json_response(200, app_list_v1_body(apps, after, max_results));
  }

  Response answer_app_list_v2() {
    std::lock_guard lock(mutex);
    ++list_requests;
    return json_response(200, app_list_v2_body(apps));
  }

  // Faults and the limit are decided before any body exists, as Steam's
  // front end refuses requests without asking the store behind it.
  Response answer_store(const Request& request) {
    bool prices_only = request.has("filters");
    auto ids = split_ids(request.param("appids"));
    auto admission = admit_store_request(prices_only ? std::vector<std::string>() : ids);
    if (admission.fault && admission.fault->kind == FaultKind::delay) {
      sleep_unless_stopping(admission.fault->delay);
      admission.fault.reset();
    }
    if (admission.fault) return faulted_answer(*admission.fault, request, ids, prices_only);
    if (admission.over_limit) return html_response(429);
    return store_answer(ids, prices_only, upper(request.param("cc")));
  }

  Admission admit_store_request(const std::vector<std::string>& full_detail_ids) {
    std::lock_guard lock(mutex);
    auto now = Clock::now();
    ++store_requests;
    store_times.push_back(now);
    for (const auto& text : full_detail_ids) {
      if (auto id = parse_number<std::int64_t>(text)) ++detail_requests[*id];
    }
    Admission admission;
    admission.over_limit = note_for_limit(now);
    if (!faults.empty()) {
      admission.fault = faults.front();
      faults.pop_front();
    }
    return admission;
  }

  // Caller holds `mutex`.
  bool note_for_limit(Clock::time_point now) {
    if (limit_requests <= 0) return false;
    while (!limiter_times.empty() && now - limiter_times.front() >= limit_window) {
      limiter_times.pop_front();
    }
    limiter_times.push_back(now);
    return static_cast<int>(limiter_times.size()) > limit_requests;
  }

  void sleep_unless_stopping(std::chrono::milliseconds delay) {
    std::unique_lock lock(mutex);
    stopped.wait_for(lock, delay, [this] { return stopping.load(); });
  }

  Response faulted_answer(const Fault& fault, const Request& request,
                          const std::vector<std::string>& ids, bool prices_only) {
    if (fault.kind == FaultKind::fail) return html_response(fault.status);
    if (fault.kind == FaultKind::throttle) {
      auto response = html_response(429);
      response.retry_after = fault.retry_after;
      return response;
    }
    auto response = store_answer(ids, prices_only, upper(request.param("cc")));
    response.status = 200;
    response.body.resize(response.body.size() / 2);
    return response;
  }

  Response store_answer(const std::vector<std::string>& ids, bool prices_only,
                        const std::string& country) {
    // Real Steam answers null when asked for full details of several apps at once.
    if (!prices_only && ids.size() != 1) return json_response(400, "null");
    auto currency = currency_for(country);
    std::lock_guard lock(mutex);
    if (prices_only) return json_response(200, prices_body(ids, currency));
    return json_response(200, full_details_body(ids.front(), find_app(ids.front()), currency));
  }

  // Caller holds `mutex`.
  std::string prices_body(const std::vector<std::string>& ids, const Currency& currency) const {
    rapidjson::StringBuffer buffer;
    JsonWriter json(buffer);
    std::set<std::string> written;  // a JSON object must not repeat keys
    json.StartObject();
    for (const auto& id : ids) {
      if (!written.insert(id).second) continue;
      write_key(json, id);
      write_price_entry(json, find_app(id), currency);
    }
    json.EndObject();
    return finish(buffer);
  }

  // Caller holds `mutex`; the pointer is valid while it does.
  const FakeSteamApp* find_app(const std::string& id_text) const {
    auto id = parse_number<std::int64_t>(id_text);
    if (!id) return nullptr;
    auto it = apps.find(*id);
    return it == apps.end() ? nullptr : &it->second;
  }

  void queue_fault(const Fault& fault, int count) {
    std::lock_guard lock(mutex);
    for (int i = 0; i < count; ++i) faults.push_back(fault);
  }
};

FakeSteam::FakeSteam(int app_count) : impl_(std::make_unique<Impl>(app_count)) {}

FakeSteam::~FakeSteam() = default;

std::uint16_t FakeSteam::port() const { return impl_->port; }

std::string FakeSteam::url() const { return fmt::format("http://127.0.0.1:{}", impl_->port); }

void FakeSteam::set_app(const FakeSteamApp& app) {
  std::lock_guard lock(impl_->mutex);
  impl_->apps[app.id] = app;
}

void FakeSteam::add_apps(int count) { impl_->add_apps(count); }

void FakeSteam::fail_next(int status, int count) {
  Fault fault;
  fault.kind = FaultKind::fail;
  fault.status = status;
  impl_->queue_fault(fault, count);
}

void FakeSteam::throttle_next(int count, std::optional<int> retry_after_seconds) {
  Fault fault;
  fault.kind = FaultKind::throttle;
  fault.retry_after = retry_after_seconds;
  impl_->queue_fault(fault, count);
}

void FakeSteam::delay_next(std::chrono::milliseconds delay, int count) {
  Fault fault;
  fault.kind = FaultKind::delay;
  fault.delay = delay;
  impl_->queue_fault(fault, count);
}

void FakeSteam::truncate_next(int count) {
  Fault fault;
  fault.kind = FaultKind::truncate;
  impl_->queue_fault(fault, count);
}

void FakeSteam::limit(int requests, std::chrono::milliseconds window) {
  std::lock_guard lock(impl_->mutex);
  impl_->limit_requests = requests;
  impl_->limit_window = window;
  impl_->limiter_times.clear();
}

int FakeSteam::store_requests() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->store_requests;
}

int FakeSteam::list_requests() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->list_requests;
}

int FakeSteam::detail_requests(std::int64_t app_id) const {
  std::lock_guard lock(impl_->mutex);
  auto it = impl_->detail_requests.find(app_id);
  return it == impl_->detail_requests.end() ? 0 : it->second;
}

std::vector<std::chrono::steady_clock::time_point> FakeSteam::store_request_times() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->store_times;
}

int FakeSteam::max_store_requests_in(std::chrono::milliseconds window) const {
  auto times = store_request_times();
  int most = 0;
  std::size_t first = 0;
  for (std::size_t last = 0; last < times.size(); ++last) {
    while (first < last && times[last] - times[first] >= window) ++first;
    most = std::max(most, static_cast<int>(last - first + 1));
  }
  return most;
}

void FakeSteam::reset_counters() {
  std::lock_guard lock(impl_->mutex);
  impl_->store_requests = 0;
  impl_->list_requests = 0;
  impl_->detail_requests.clear();
  impl_->store_times.clear();
}

}  // namespace orchestra::testing
