#pragma once
// Streaming readers for blobs named by URL. file:// URLs are confined to
// the directories listed in `blobs.file_roots`; other schemes are refused
// with a clear error until a backend for them is configured.

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
  using std::runtime_error::runtime_error;
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
  // Throws BlobError naming the URL and the reason when it cannot be opened.
  virtual std::unique_ptr<BlobReader> open(const std::string& url) = 0;
};

}  // namespace orchestra::blobs
