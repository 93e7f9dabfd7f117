#pragma once
// Streaming readers for blobs. A name is a path relative to the roots of
// `blobs.local.roots` ("reports/2024.csv"), a file:///absolute/path inside
// one of them, or a URL of another configured backend. Local names are
// confined to the roots: "..", absolute paths and symlinks leaving a root
// are refused.

#include <boost/config.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

namespace orchestra::blobs {

class BOOST_SYMBOL_VISIBLE BlobError : public std::runtime_error {
 public:
  // invalid: the name itself is refused (a client error); not_found: no
  // such blob; unavailable: the storage failed (worth retrying later).
  enum class Kind { invalid, not_found, unavailable };
  BlobError(Kind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  explicit BlobError(const std::string& message) : BlobError(Kind::unavailable, message) {}
  Kind kind() const { return kind_; }

 private:
  Kind kind_;
};

struct BlobInfo {
  std::uint64_t size = 0;
  // Changes when the content changes (a file's size and mtime, an S3 ETag).
  std::string version;
};

class BOOST_SYMBOL_VISIBLE BlobReader {
 public:
  virtual ~BlobReader() = default;
  // Reads up to `size` bytes; returns 0 at the end of the blob.
  virtual std::size_t read(char* buffer, std::size_t size) = 0;
  virtual std::optional<std::uint64_t> size() const = 0;
};

class BOOST_SYMBOL_VISIBLE BlobStore {
 public:
  virtual ~BlobStore() = default;
  // Throws BlobError naming the blob and the reason.
  virtual BlobInfo stat(const std::string& name) = 0;
  // Reads from byte `offset` on. Throws BlobError naming the blob and the
  // reason when it cannot be opened.
  virtual std::unique_ptr<BlobReader> open(const std::string& name, std::uint64_t offset = 0) = 0;
};

}  // namespace orchestra::blobs
