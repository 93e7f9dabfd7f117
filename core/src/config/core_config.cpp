#include "config/core_config.hpp"

#include "auth/scopes.hpp"
#include "blobs/s3_names.hpp"
#include "db/url.hpp"
#include "http/client_address.hpp"

#include <fmt/format.h>

#include <charconv>
#include <algorithm>
#include <filesystem>
#include <thread>

namespace orchestra::config {
namespace {

constexpr std::int64_t kMaxThreads = 1024;

ListenAddress read_listen(const ConfigSection& section, const std::string& key,
                          const std::string& fallback) {
  auto text = section.get<std::string>(key, fallback);
  if (auto address = parse_listen_address(text)) return *address;
  section.report(key, fmt::format("expected host:port, got \"{}\"", text));
  return *parse_listen_address(fallback);
}

ServerConfig read_server(const ConfigSection& section) {
  ServerConfig server;
  server.listen = read_listen(section, "listen", "127.0.0.1:8080");
  // Reactor threads only do I/O and quick handlers; on small machines one
  // beats two (measured in docs/BENCHMARKS.md): default to half the cores.
  auto cores = static_cast<std::int64_t>(std::max(2u, std::thread::hardware_concurrency()));
  server.threads = static_cast<int>(section.get_int("threads", cores / 2, 1, kMaxThreads));
  server.handler_threads =
      static_cast<int>(section.get_int("handler_threads", 8, 1, kMaxThreads));
  server.max_body_bytes = static_cast<std::size_t>(
      section.get_int("max_body_bytes", 1 << 20, 0, std::int64_t{1} << 40));
  server.max_header_bytes = static_cast<std::size_t>(
      section.get_int("max_header_bytes", 16 << 10, 1024, 1 << 20));
  server.max_connections =
      static_cast<int>(section.get_int("max_connections", 10000, 1, 1'000'000));
  server.max_connections_per_address = static_cast<int>(
      section.get_int("max_connections_per_address", 256, 1, 1'000'000));
  server.max_body_memory = static_cast<std::size_t>(
      section.get_int("max_body_memory", 256 << 20, 0, std::int64_t{1} << 40));
  if (server.max_body_memory < server.max_body_bytes) {
    section.report("max_body_memory", "must be at least max_body_bytes");
  }
  server.trusted_proxies = section.get<std::vector<std::string>>("trusted_proxies", {});
  for (const auto& proxy : server.trusted_proxies) {
    if (!http::parse_network(proxy)) {
      section.report("trusted_proxies",
                     fmt::format("\"{}\" is not an IP address or network (10.0.0.0/8)", proxy));
    }
  }
  server.header_timeout = section.get("header_timeout", server.header_timeout);
  server.body_timeout = section.get("body_timeout", server.body_timeout);
  server.idle_timeout = section.get("idle_timeout", server.idle_timeout);
  server.stream_keepalive =
      section.get_positive_duration("stream_keepalive", server.stream_keepalive);
  server.shutdown_grace = section.get("shutdown_grace", server.shutdown_grace);
  server.validate_responses = section.get<bool>("validate_responses", false);
  return server;
}

// The database layer's own parse, so a URL it would refuse at start is a
// configuration problem with a line number.
void check_database_url(const ConfigSection& section, const std::string& url) {
  if (!url.starts_with("sqlite://") && !url.starts_with("postgresql://") &&
      !url.starts_with("postgres://")) {
    section.report("url", "expected a sqlite:///path or postgresql:// URL");
    return;
  }
  try {
    db::parse_database_url(url, 1);
  } catch (const std::invalid_argument& error) {
    std::string problem = error.what();
    if (problem.starts_with("database.url: ")) problem.erase(0, 14);
    // A PostgreSQL URL may hold a password; the problem is located anyway.
    if (auto at = problem.find(url); at != std::string::npos && !url.starts_with("sqlite")) {
      problem.replace(at, url.size(), "the URL");
    }
    section.report("url", problem);
  }
}

DatabaseConfig read_database(const ConfigSection& section) {
  DatabaseConfig database;
  database.url = section.require<std::string>("url");
  if (section.has("url")) check_database_url(section, database.url);
  database.pool_size = static_cast<int>(section.get_int("pool_size", 8, 1, 1024));
  database.busy_timeout = section.get("busy_timeout", database.busy_timeout);
  database.migrations_dir = section.get<std::string>("migrations_dir", "");
  return database;
}

QueueConfig read_queue(const ConfigSection& section) {
  QueueConfig queue;
  queue.backend = section.get_choice("backend", "sql", {"sql", "redis"});
  queue.redis_url = section.get<std::string>("redis_url", "");
  queue.redis_prefix = section.get<std::string>("redis_prefix", queue.redis_prefix);
  if (queue.backend == "redis" && queue.redis_url.empty()) {
    section.report("redis_url", "required when queue.backend is redis");
  }
  if (!queue.redis_url.empty() && !queue.redis_url.starts_with("redis://")) {
    section.report("redis_url", "expected a redis://host:port/db URL");
  }
  return queue;
}

WorkerConfig read_worker(const ConfigSection& section) {
  WorkerConfig worker;
  worker.name = section.get<std::string>("name", "");
  worker.concurrency = static_cast<int>(section.get_int("concurrency", 0, 0, kMaxThreads));
  worker.listen = read_listen(section, "listen", "127.0.0.1:8081");
  auto queues = section.section("queues");
  for (const auto& name : queues.keys()) {
    worker.queues[name] = static_cast<int>(queues.get_int(name, 1, 1, 1000));
  }
  worker.max_waiting =
      static_cast<int>(section.get_int("max_waiting", worker.max_waiting, 1, 1'000'000));
  worker.poll_interval = section.get("poll_interval", worker.poll_interval);
  worker.reclaim_interval = section.get("reclaim_interval", worker.reclaim_interval);
  worker.retention = section.get("retention", worker.retention);
  worker.schedule_catch_up =
      static_cast<int>(section.get_int("schedule_catch_up", 1, 0, 1000));
  worker.time_zone = section.get<std::string>("time_zone", "UTC");
  std::error_code unreadable;  // e.g. a name too long for a path: unknown too
  if (worker.time_zone != "UTC" &&
      !std::filesystem::exists("/usr/share/zoneinfo/" + worker.time_zone, unreadable)) {
    section.report("time_zone", "unknown time zone '" + worker.time_zone +
                                    "' (expected an IANA name such as Europe/Berlin)");
  }
  return worker;
}

LogConfig read_log(const ConfigSection& section) {
  LogConfig log;
  log.level = section.get_choice("level", "info",
                                 {"trace", "debug", "info", "warn", "error", "critical", "off"});
  log.format = section.get_choice("format", "text", {"text", "json"});
  log.access = section.get("access", true);
  return log;
}

BlobsConfig read_blobs(const ConfigSection& section) {
  BlobsConfig blobs;
  blobs.file_roots = section.section("local").get<std::vector<std::string>>("roots", {});
  auto s3 = section.section("s3");
  blobs.s3_enabled = s3.get("enabled", true);
  blobs.s3_endpoint = s3.get<std::string>("endpoint", "");
  blobs.s3_region = s3.get<std::string>("region", blobs.s3_region);
  blobs.s3_path_style = s3.get("path_style", false);
  blobs.s3_max_attempts = static_cast<int>(s3.get_int("max_attempts", 8, 1, 100));
  blobs.s3_stall_timeout = s3.get_positive_duration("stall_timeout", blobs.s3_stall_timeout);
  blobs.s3_range_bytes = s3.get_int("range_bytes", 8 << 20, 64 << 10, 1LL << 30);
  blobs.s3_allowed = s3.get<std::vector<std::string>>("allowed", {});
  for (const auto& entry : blobs.s3_allowed) {
    if (auto problem = blobs::allowed_entry_problem(entry)) s3.report("allowed", *problem);
  }
  return blobs;
}

http_client::HostRateLimit read_host_rate_limit(const ConfigSection& section,
                                               const std::string& host) {
  http_client::HostRateLimit limit;
  limit.host = host;
  limit.requests = section.require<std::int64_t>("requests");
  if (limit.requests < 2 || limit.requests > 1'000'000'000) {
    if (section.has("requests")) section.report("requests", "must be between 2 and 1000000000");
    limit.requests = 2;
  }
  limit.per = section.require<milliseconds>("per");
  if (limit.per.count() <= 0) {
    if (section.has("per")) section.report("per", "must be a positive duration");
    limit.per = std::chrono::seconds(1);
  }
  limit.budget = http_client::window_budget(limit.requests, limit.per);
  limit.penalty = section.get_positive_duration("penalty", limit.penalty);
  limit.max_penalty = section.get_positive_duration("max_penalty", limit.max_penalty);
  auto statuses = section.get<std::vector<std::string>>("throttle_statuses", {"429"});
  limit.throttle_statuses.clear();
  for (const auto& status : statuses) {
    int value = 0;
    auto [end, error] = std::from_chars(status.data(), status.data() + status.size(), value);
    if (error != std::errc{} || end != status.data() + status.size() || value < 400 ||
        value > 599) {
      section.report("throttle_statuses", "'" + status + "' is not an HTTP error status (400-599)");
      continue;
    }
    limit.throttle_statuses.push_back(value);
  }
  return limit;
}

http_client::ClientConfig read_http_client(const ConfigSection& section) {
  http_client::ClientConfig client;
  client.timeout = section.get_positive_duration("timeout", client.timeout);
  client.connect_timeout = section.get_positive_duration("connect_timeout", client.connect_timeout);
  client.max_response_bytes =
      section.get_int("max_response_bytes", client.max_response_bytes, 1024, 1LL << 32);
  client.user_agent = section.get<std::string>("user_agent", "orchestra/" ORCHESTRA_VERSION);
  auto limits = section.section("rate_limits");
  for (const auto& host : limits.keys()) {
    if (host.empty() || host.find('/') != std::string::npos) {
      limits.report(host, "must be a host name or host:port, not a URL");
    }
    client.rate_limits.push_back(read_host_rate_limit(limits.section(host), host));
  }
  return client;
}

AuthConfig read_auth(const ConfigSection& section) {
  AuthConfig auth;
  auth.registration_open =
      section.get_choice("registration", "open", {"open", "closed"}) == "open";
  auth.secret = section.optional<std::string>("secret");
  if (auth.secret && auth.secret->size() < 32) {
    section.report("secret", "must be at least 32 characters (set ORCHESTRA_AUTH__SECRET)");
  }
  auth.secret_file = section.get<std::string>("secret_file", auth.secret_file);
  auth.issuer = section.get<std::string>("issuer", auth.issuer);
  auth.access_token_ttl = section.get_positive_duration("access_token_ttl", auth.access_token_ttl);
  auth.refresh_token_ttl =
      section.get_positive_duration("refresh_token_ttl", auth.refresh_token_ttl);
  auth.clock_skew = section.get("clock_skew", auth.clock_skew);
  if (auth.clock_skew.count() < 0 || auth.clock_skew > std::chrono::minutes(5)) {
    section.report("clock_skew", "must be between 0s and 5m");
  }
  auth.public_metrics = section.get("public_metrics", true);
  auth.default_scopes = section.get<std::vector<std::string>>("default_scopes", {});
  for (const auto& scope : auth.default_scopes) {
    if (auto problem = auth::scope_problem(scope)) section.report("default_scopes", *problem);
  }
  auto limit = section.section("login_rate_limit");
  auth.login_limits.per_login_and_address =
      static_cast<int>(limit.get_int("attempts", 10, 1, 1'000'000));
  auth.login_limits.per_login = static_cast<int>(limit.get_int("per_login", 100, 1, 1'000'000));
  auth.login_limits.per_address =
      static_cast<int>(limit.get_int("per_address", 100, 1, 1'000'000));
  auth.login_limits.window = limit.get_positive_duration("window", auth.login_limits.window);
  auto registrations = section.section("registration_rate_limit");
  auth.registration_attempts =
      static_cast<int>(registrations.get_int("attempts", 10, 1, 1'000'000));
  auth.registration_window =
      registrations.get_positive_duration("window", auth.registration_window);
  auth.hashing_slots = static_cast<int>(section.get_int("hashing_slots", 2, 1, 64));
  auth.hashing_wait = section.get("hashing_wait", auth.hashing_wait);
  auth.always_secure_cookies =
      section.get_choice("secure_cookies", "auto", {"auto", "always"}) == "always";
  return auth;
}

}  // namespace

std::string ListenAddress::to_string() const { return fmt::format("{}:{}", host, port); }

std::optional<ListenAddress> parse_listen_address(const std::string& text) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) return std::nullopt;
  unsigned port = 0;
  auto digits = std::string_view(text).substr(colon + 1);
  auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
  if (error != std::errc{} || end != digits.data() + digits.size() || port > 65535) {
    return std::nullopt;
  }
  auto host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  return ListenAddress{host, static_cast<std::uint16_t>(port)};
}

CoreConfig read_core_config(const ConfigSection& root) {
  CoreConfig config;
  config.server = read_server(root.section("server"));
  config.database = read_database(root.section("database"));
  config.queue = read_queue(root.section("queue"));
  config.worker = read_worker(root.section("worker"));
  config.log = read_log(root.section("log"));
  config.blobs = read_blobs(root.section("blobs"));
  auto plugins = root.section("plugins");
  config.plugins.dir = plugins.get<std::string>("dir", "");
  config.plugins.enabled = plugins.get<std::vector<std::string>>("enabled", {});
  config.auth = read_auth(root.section("auth"));
  config.http_client = read_http_client(root.section("http_client"));
  return config;
}

}  // namespace orchestra::config
