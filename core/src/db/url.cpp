#include "db/url.hpp"

#include <fmt/format.h>

#include "http/url.hpp"

#include <stdexcept>

namespace orchestra::db {
namespace {

std::string decode(std::string_view text, const std::string& url) {
  auto decoded = http::percent_decode(text, false);
  if (!decoded) throw std::invalid_argument("database.url: malformed percent-escape in " + url);
  return *decoded;
}

// libpq keyword=value, quoted so spaces and quotes survive.
void append_keyword(std::string& out, const std::string& key, const std::string& value) {
  if (value.empty()) return;
  if (!out.empty()) out += ' ';
  out += key + "='";
  for (char c : value) {
    if (c == '\\' || c == '\'') out += '\\';
    out += c;
  }
  out += '\'';
}

// SOCI 4.0 rewrites the connect string as keyword=value pairs and mangles
// URIs, so postgresql:// URLs are translated to libpq keywords here.
std::string postgres_keywords(const std::string& url) {
  auto rest = std::string_view(url).substr(url.find("://") + 3);
  std::string query;
  if (auto question = rest.find('?'); question != std::string_view::npos) {
    query = std::string(rest.substr(question + 1));
    rest = rest.substr(0, question);
  }
  std::string dbname;
  if (auto slash = rest.find('/'); slash != std::string_view::npos) {
    dbname = decode(rest.substr(slash + 1), url);
    rest = rest.substr(0, slash);
  }
  std::string user, password;
  if (auto at = rest.rfind('@'); at != std::string_view::npos) {
    auto credentials = rest.substr(0, at);
    rest = rest.substr(at + 1);
    auto colon = credentials.find(':');
    user = decode(credentials.substr(0, colon), url);
    if (colon != std::string_view::npos) password = decode(credentials.substr(colon + 1), url);
  }
  std::string host(rest), port;
  if (auto colon = rest.rfind(':'); colon != std::string_view::npos && rest.back() != ']') {
    host = std::string(rest.substr(0, colon));
    port = std::string(rest.substr(colon + 1));
  }
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  std::string keywords;
  append_keyword(keywords, "host", decode(host, url));
  append_keyword(keywords, "port", port);
  append_keyword(keywords, "dbname", dbname);
  append_keyword(keywords, "user", user);
  append_keyword(keywords, "password", password);
  auto parameters = http::parse_query(query);
  if (!parameters) throw std::invalid_argument("database.url: malformed query string in " + url);
  for (const auto& [key, value] : *parameters) append_keyword(keywords, key, value);
  // Without it, reconnecting to a host that drops packets (a failover, a
  // partition) blocks for minutes of TCP retries.
  if (!parameters->contains("connect_timeout")) append_keyword(keywords, "connect_timeout", "5");
  return keywords;
}

}  // namespace

Target parse_database_url(const std::string& url, int busy_timeout_seconds) {
  constexpr std::string_view kSqlite = "sqlite:///";
  if (url.starts_with(kSqlite)) {
    auto path = url.substr(kSqlite.size());
    if (path.empty() || path == "/") {
      throw std::invalid_argument("database.url: the sqlite URL names no file");
    }
    if (path.find_first_of("? ") != std::string::npos) {
      throw std::invalid_argument(
          "database.url: sqlite paths may contain neither spaces nor '?'");
    }
    return Target{Dialect::sqlite, path, "sqlite3",
                  fmt::format("db={} timeout={}", path, busy_timeout_seconds)};
  }
  if (url.starts_with("postgresql://") || url.starts_with("postgres://")) {
    return Target{Dialect::postgres, "", "postgresql", postgres_keywords(url)};
  }
  throw std::invalid_argument(
      fmt::format("database.url: unsupported URL '{}'; expected sqlite:///path or "
                  "postgresql://user@host:port/dbname",
                  url));
}

}  // namespace orchestra::db
