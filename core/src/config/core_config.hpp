#pragma once
// The core's typed configuration: every top-level section except the
// per-plugin ones, read once at start.

#include "auth/login_limiter.hpp"
#include "http_client/client_config.hpp"

#include <orchestra/config.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace orchestra::config {

using std::chrono::milliseconds;

struct ListenAddress {
  std::string host;
  std::uint16_t port = 0;
  std::string to_string() const;
};

struct ServerConfig {
  ListenAddress listen;
  int threads = 1;  // default: half the cores
  int handler_threads = 8;
  std::size_t max_body_bytes = 1 << 20;
  std::size_t max_header_bytes = 16 << 10;
  int max_connections = 10000;
  int max_connections_per_address = 256;  // per IPv4 address or IPv6 /64
  // Request bodies held in memory at once, across every connection.
  std::size_t max_body_memory = 256 << 20;
  // Peers (addresses or networks) whose X-Forwarded-For names the client.
  std::vector<std::string> trusted_proxies;
  milliseconds header_timeout{10'000};
  milliseconds body_timeout{30'000};
  milliseconds idle_timeout{60'000};
  milliseconds shutdown_grace{30'000};
  // A comment line on a quiet event stream, so proxies keep it open.
  milliseconds stream_keepalive{15'000};
  // Check every answer against its route's declared schemas (a 500 where
  // one breaks them): for tests and development, it costs a parse per
  // response.
  bool validate_responses = false;
};

struct DatabaseConfig {
  std::string url;
  int pool_size = 8;
  milliseconds busy_timeout{5'000};
  std::string migrations_dir;  // empty: <prefix>/share/orchestra/sql
};

struct QueueConfig {
  std::string backend = "sql";
  std::string redis_url;
  std::string redis_prefix = "orchestra:";  // namespaces every key
};

struct WorkerConfig {
  std::string name;  // empty: host:pid
  int concurrency = 0;  // 0: number of cores
  // Queue name -> weight; empty: every defined task type's queue (one per
  // plugin), weight 1.
  std::map<std::string, int> queues;
  // Tasks waiting (Step::wait_*) at once; past it no new work is claimed.
  int max_waiting = 10'000;
  ListenAddress listen;  // probes and metrics in the worker role
  milliseconds poll_interval{100};
  milliseconds reclaim_interval{1000};
  milliseconds retention{7 * 24 * 3'600'000LL};
  int schedule_catch_up = 1;
  std::string time_zone = "UTC";
};

struct LogConfig {
  std::string level = "info";
  std::string format = "text";
  bool access = true;
};

struct BlobsConfig {
  std::vector<std::string> file_roots;  // blobs.local.roots
  bool s3_enabled = true;
  std::string s3_endpoint;  // empty: AWS for the region
  std::string s3_region = "us-east-1";
  bool s3_path_style = false;
  int s3_max_attempts = 8;
  milliseconds s3_stall_timeout{10'000};
  std::int64_t s3_range_bytes = 8 << 20;
  std::vector<std::string> s3_allowed;  // "bucket" or "bucket/prefix"; empty: none
};

struct AuthConfig {
  bool registration_open = true;
  std::optional<std::string> secret;  // from ORCHESTRA_AUTH__SECRET
  std::string secret_file = "var/auth-secret";
  std::string issuer = "orchestra";
  milliseconds access_token_ttl{15 * 60'000};
  milliseconds refresh_token_ttl{30LL * 24 * 3'600'000};
  milliseconds clock_skew{30'000};
  bool public_metrics = true;
  std::vector<std::string> default_scopes;  // granted at registration
  auth::LoginLimits login_limits;
  // Registrations per client address block and window.
  int registration_attempts = 10;
  milliseconds registration_window{3'600'000};
  // Password hashes at once (64 MiB each), and how long a request waits
  // for a free one before it is answered 503.
  int hashing_slots = 2;
  milliseconds hashing_wait{1'000};
  bool always_secure_cookies = false;  // else Secure only behind https
};

struct PluginsConfig {
  std::string dir;  // empty: <prefix>/lib/orchestra/plugins
  std::vector<std::string> enabled;
};

struct CoreConfig {
  ServerConfig server;
  DatabaseConfig database;
  QueueConfig queue;
  WorkerConfig worker;
  LogConfig log;
  BlobsConfig blobs;
  AuthConfig auth;
  PluginsConfig plugins;
  http_client::ClientConfig http_client;
};

// Reads every core section from `root`. Problems are recorded in the
// document, not thrown; ConfigTree::finish() reports them.
CoreConfig read_core_config(const ConfigSection& root);

// "host:port"; the port may be 0 for "any free port".
std::optional<ListenAddress> parse_listen_address(const std::string& text);

}  // namespace orchestra::config
