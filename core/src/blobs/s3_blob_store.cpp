#include "blobs/s3_blob_store.hpp"
#include "blobs/s3_names.hpp"
#include "http_client/curl_support.hpp"

#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <random>
#include <thread>
#include <vector>

namespace orchestra::blobs {
namespace {

using Kind = BlobError::Kind;

constexpr std::string_view kEmptyPayloadHash =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

struct Response {
  long status = 0;
  CURLcode code = CURLE_OK;
  std::string error;
  std::string etag;
  std::optional<std::uint64_t> length;
};

// One HTTP exchange. `sink` receives body bytes (GET); HEAD when null.
class Exchange {
 public:
  Exchange(const S3Config& config, const std::string& url) : config_(config), url_(url) {
    http_client::ensure_curl_initialised();
    curl_.reset(curl_easy_init());
    if (!curl_) throw BlobError(Kind::unavailable, "cannot initialise libcurl");
  }

  Response run(const std::vector<std::string>& headers, std::string* sink, bool head) {
    Response response;
    auto* curl = curl_.get();
    curl_easy_setopt(curl, CURLOPT_URL, url_.c_str());
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(config_.connect_timeout.count()));
    // A stall: less than one byte a second for stall_timeout.
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME,
                     std::max(1L, static_cast<long>(config_.stall_timeout.count() / 1000)));
    auto sigv4 = fmt::format("aws:amz:{}:s3", config_.region);
    curl_easy_setopt(curl, CURLOPT_AWS_SIGV4, sigv4.c_str());
    auto credentials = config_.access_key + ":" + config_.secret_key;
    curl_easy_setopt(curl, CURLOPT_USERPWD, credentials.c_str());
    curl_slist* list = nullptr;
    // S3 wants the payload's SHA-256 signed in; these requests have none.
    auto payload_hash = "x-amz-content-sha256: " + std::string(kEmptyPayloadHash);
    list = curl_slist_append(list, payload_hash.c_str());
    for (const auto& header : headers) list = curl_slist_append(list, header.c_str());
    if (!config_.session_token.empty()) {
      list = curl_slist_append(list, ("x-amz-security-token: " + config_.session_token).c_str());
    }
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(curl, CURLOPT_NOBODY, head ? 1L : 0L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &Exchange::write);
    body_ = sink;
    status_ = &response;
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, this);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &Exchange::header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, this);
    char error[CURL_ERROR_SIZE] = {};
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
    response.code = curl_easy_perform(curl);
    curl_slist_free_all(list);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
    response.error = error[0] != '\0' ? error : curl_easy_strerror(response.code);
    return response;
  }

 private:
  static std::size_t write(char* data, std::size_t size, std::size_t count, void* self) {
    auto* exchange = static_cast<Exchange*>(self);
    long status = 0;
    curl_easy_getinfo(exchange->curl_.get(), CURLINFO_RESPONSE_CODE, &status);
    // Error bodies (XML) are not data.
    if (exchange->body_ != nullptr && status >= 200 && status < 300) {
      exchange->body_->append(data, size * count);
    }
    return size * count;
  }
  static std::size_t header(char* data, std::size_t size, std::size_t count, void* self) {
    auto* exchange = static_cast<Exchange*>(self);
    if (auto header = http_client::parse_header_line(std::string_view(data, size * count))) {
      const auto& [name, value] = *header;
      if (name == "etag") exchange->status_->etag = value;
      if (name == "content-length") {
        // No exception may cross libcurl's C frames: an unreadable length is
        // left unknown, and reported as a missing Content-Length.
        std::uint64_t length = 0;
        auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), length);
        if (error == std::errc{} && end == value.data() + value.size()) {
          exchange->status_->length = length;
        }
      }
    }
    return size * count;
  }

  const S3Config& config_;
  std::string url_;
  std::unique_ptr<CURL, void (*)(CURL*)> curl_{nullptr, curl_easy_cleanup};
  std::string* body_ = nullptr;
  Response* status_ = nullptr;
};

bool transient(const Response& response) {
  return response.code != CURLE_OK || response.status >= 500 || response.status == 429 ||
         response.status == 408;
}

std::chrono::milliseconds backoff(const S3Config& config, int attempt) {
  thread_local std::mt19937 random{std::random_device{}()};
  auto base = config.first_backoff * (1LL << std::min(attempt, 16));
  auto capped = std::min<std::chrono::milliseconds>(base, config.max_backoff);
  std::uniform_int_distribution<long long> jitter(capped.count() / 2, capped.count());
  return std::chrono::milliseconds(jitter(random));
}

std::string describe(const Response& response) {
  if (response.code != CURLE_OK) return response.error;
  return fmt::format("HTTP {}", response.status);
}

// Runs `attempt` until it succeeds or fails for good; returns the last
// response.
template <typename Attempt>
Response with_retries(const S3Config& config, const std::string& name, Attempt&& attempt) {
  Response response;
  for (int tries = 0;; ++tries) {
    response = attempt();
    if (!transient(response)) return response;
    if (tries + 1 >= config.max_attempts) {
      throw BlobError(Kind::unavailable, fmt::format("{}: {} (gave up after {} attempts)", name,
                                                     describe(response), config.max_attempts));
    }
    std::this_thread::sleep_for(backoff(config, tries));
  }
}

void check_status(const Response& response, const std::string& name) {
  // Told apart, they would let a user probe which objects exist in buckets
  // the server's credentials cannot read.
  if (response.status == 404 || response.status == 403) {
    throw BlobError(Kind::not_found, name + ": no such object, or no access to it");
  }
  if (response.status == 412) {
    throw BlobError(Kind::invalid, name + ": the object changed while it was being read");
  }
  if (response.status < 200 || response.status >= 300) {
    throw BlobError(Kind::unavailable, fmt::format("{}: {}", name, describe(response)));
  }
}

class S3Reader final : public BlobReader {
 public:
  S3Reader(const S3BlobStore& store, S3BlobStore::Location location, BlobInfo info,
           std::uint64_t offset)
      : store_(store), location_(std::move(location)), info_(std::move(info)), next_(offset) {}

  std::size_t read(char* buffer, std::size_t size) override {
    if (taken_ == block_.size()) {
      if (next_ >= info_.size) return 0;
      fetch();
    }
    auto count = std::min(size, block_.size() - taken_);
    std::memcpy(buffer, block_.data() + taken_, count);
    taken_ += count;
    return count;
  }
  std::optional<std::uint64_t> size() const override { return info_.size; }

 private:
  // The next block; a transfer cut short resumes where it stopped.
  void fetch() {
    const auto& config = store_.config();
    auto end = std::min<std::uint64_t>(info_.size, next_ + config.range_bytes);
    block_.clear();
    taken_ = 0;
    Exchange exchange(config, location_.url);
    int tries = 0;
    while (next_ + block_.size() < end) {
      auto from = next_ + block_.size();
      auto before = block_.size();
      auto response = exchange.run({fmt::format("Range: bytes={}-{}", from, end - 1),
                                    "If-Match: " + info_.version},
                                   &block_, false);
      if (!transient(response)) {
        check_status(response, location_.name);
        // Servers that ignore If-Match still say which version they sent.
        if (!response.etag.empty() && response.etag != info_.version) {
          throw BlobError(Kind::invalid,
                          location_.name + ": the object changed while it was being read");
        }
        if (response.status != 206 && from != 0) {
          throw BlobError(Kind::unavailable, location_.name + ": the server ignored the Range");
        }
        if (block_.size() > before) continue;  // done, or cut short: ask for the rest
      }
      if (++tries >= config.max_attempts) {
        throw BlobError(Kind::unavailable,
                        fmt::format("{}: {} at byte {} (gave up after {} attempts)",
                                    location_.name, describe(response), from, tries));
      }
      std::this_thread::sleep_for(backoff(config, tries - 1));
    }
    next_ = end;
  }

  const S3BlobStore& store_;
  S3BlobStore::Location location_;
  BlobInfo info_;
  std::uint64_t next_;
  std::string block_;
  std::size_t taken_ = 0;
};

std::string encode_key(const std::string& key) {
  std::string out;
  for (unsigned char c : key) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == '/') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

}  // namespace

S3BlobStore::S3BlobStore(S3Config config) : config_(std::move(config)) {
  if (config_.endpoint.empty()) {
    config_.endpoint = fmt::format("https://s3.{}.amazonaws.com", config_.region);
  }
  while (!config_.endpoint.empty() && config_.endpoint.back() == '/') config_.endpoint.pop_back();
}

bool S3BlobStore::allows(const std::string& bucket, const std::string& key) const {
  return std::any_of(config_.allowed.begin(), config_.allowed.end(), [&](const std::string& entry) {
    auto slash = entry.find('/');
    if (slash == std::string::npos) return entry == bucket;
    // A prefix is a folder: "bucket/reports" allows reports/..., not reports-private/...
    auto prefix = std::string(entry.substr(slash + 1));
    if (!prefix.empty() && prefix.back() != '/') prefix += '/';
    return entry.compare(0, slash, bucket) == 0 && slash == bucket.size() && key.starts_with(prefix);
  });
}

S3BlobStore::Location S3BlobStore::locate(const std::string& name) const {
  constexpr std::string_view kScheme = "s3://";
  auto slash = name.find('/', kScheme.size());
  if (!name.starts_with(kScheme) || slash == std::string::npos || slash == kScheme.size() ||
      slash + 1 == name.size()) {
    throw BlobError(Kind::invalid, name + ": expected s3://bucket/key");
  }
  auto bucket = name.substr(kScheme.size(), slash - kScheme.size());
  auto raw_key = name.substr(slash + 1);
  if (!valid_bucket(bucket)) {
    throw BlobError(Kind::invalid, name + ": '" + bucket + "' is not a valid bucket name");
  }
  if (has_dot_segment(raw_key)) {
    throw BlobError(Kind::invalid, name + ": '.' and '..' are not allowed in keys");
  }
  if (!allows(bucket, raw_key)) {
    throw BlobError(Kind::invalid, name + ": outside the buckets and prefixes allowed by blobs.s3.allowed");
  }
  auto key = encode_key(raw_key);
  if (config_.path_style) return {fmt::format("{}/{}/{}", config_.endpoint, bucket, key), name};
  auto scheme_end = config_.endpoint.find("://");
  auto host_at = scheme_end == std::string::npos ? 0 : scheme_end + 3;
  return {fmt::format("{}{}.{}/{}", config_.endpoint.substr(0, host_at), bucket,
                      config_.endpoint.substr(host_at), key),
          name};
}

BlobInfo S3BlobStore::stat(const std::string& name) {
  auto location = locate(name);
  if (config_.access_key.empty() || config_.secret_key.empty()) {
    throw BlobError(Kind::invalid,
                    name + ": no S3 credentials (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)");
  }
  Exchange exchange(config_, location.url);
  auto response = with_retries(config_, name, [&] { return exchange.run({}, nullptr, true); });
  check_status(response, name);
  if (!response.length) throw BlobError(Kind::unavailable, name + ": no Content-Length");
  return BlobInfo{*response.length, response.etag};
}

std::unique_ptr<BlobReader> S3BlobStore::open(const std::string& name, std::uint64_t offset) {
  auto info = stat(name);
  return std::make_unique<S3Reader>(*this, locate(name), std::move(info), offset);
}

RoutingBlobStore::RoutingBlobStore(std::unique_ptr<BlobStore> local, std::unique_ptr<BlobStore> s3)
    : local_(std::move(local)), s3_(std::move(s3)) {}

BlobStore& RoutingBlobStore::route(const std::string& name) {
  if (!name.starts_with("s3://")) return *local_;
  if (!s3_) {
    throw BlobError(Kind::invalid,
                    name + ": S3 is not configured (blobs.s3 and AWS_ACCESS_KEY_ID / "
                           "AWS_SECRET_ACCESS_KEY)");
  }
  return *s3_;
}

BlobInfo RoutingBlobStore::stat(const std::string& name) { return route(name).stat(name); }

std::unique_ptr<BlobReader> RoutingBlobStore::open(const std::string& name, std::uint64_t offset) {
  return route(name).open(name, offset);
}

}  // namespace orchestra::blobs
