#pragma once
// s3://bucket/key blobs through libcurl with AWS Signature V4. Reads are
// ranged GETs of `range_bytes`; a dropped connection, a stall, a timeout or
// a 5xx is retried with exponential backoff and resumes at the byte where
// it stopped. Every read carries If-Match with the ETag seen first (and
// each response's ETag is compared too, for servers that ignore If-Match),
// so an object replaced mid-read fails clearly instead of mixing versions.

#include <orchestra/blobs.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace orchestra::blobs {

struct S3Config {
  std::string endpoint;  // empty: https://s3.<region>.amazonaws.com
  std::string region = "us-east-1";
  bool path_style = false;  // endpoint/bucket/key instead of bucket.endpoint/key
  std::size_t range_bytes = 8 << 20;
  int max_attempts = 8;
  std::chrono::milliseconds first_backoff{100};
  std::chrono::milliseconds max_backoff{5'000};
  std::chrono::milliseconds connect_timeout{5'000};
  std::chrono::milliseconds stall_timeout{10'000};  // no byte for this long: retry
  // From AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN.
  std::string access_key;
  std::string secret_key;
  std::string session_token;
  // "bucket" or "bucket/prefix" entries; a name is read only when one
  // covers it, as local files only under their roots. Empty: none.
  std::vector<std::string> allowed;
};


class S3BlobStore final : public BlobStore {
 public:
  explicit S3BlobStore(S3Config config);
  BlobInfo stat(const std::string& name) override;
  std::unique_ptr<BlobReader> open(const std::string& name, std::uint64_t offset = 0) override;

  struct Location {
    std::string url;  // of the object
    std::string name;
  };
  // Throws BlobError(invalid) for a malformed s3:// name or one that no
  // blobs.s3.allowed entry covers.
  Location locate(const std::string& name) const;
  const S3Config& config() const { return config_; }

 private:
  bool allows(const std::string& bucket, const std::string& key) const;
  S3Config config_;
};

// Routes s3:// names to `s3` (when configured) and everything else to
// `local`.
class RoutingBlobStore final : public BlobStore {
 public:
  RoutingBlobStore(std::unique_ptr<BlobStore> local, std::unique_ptr<BlobStore> s3);
  BlobInfo stat(const std::string& name) override;
  std::unique_ptr<BlobReader> open(const std::string& name, std::uint64_t offset = 0) override;

 private:
  BlobStore& route(const std::string& name);
  std::unique_ptr<BlobStore> local_;
  std::unique_ptr<BlobStore> s3_;
};

}  // namespace orchestra::blobs
