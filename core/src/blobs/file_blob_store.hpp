#pragma once
// file:// blobs confined to configured root directories, so a URL sent by
// a client cannot read arbitrary files of the host.

#include <orchestra/blobs.hpp>

#include <filesystem>
#include <vector>

namespace orchestra::blobs {

class FileBlobStore final : public BlobStore {
 public:
  explicit FileBlobStore(const std::vector<std::string>& roots);
  std::unique_ptr<BlobReader> open(const std::string& url) override;

 private:
  std::vector<std::filesystem::path> roots_;          // symlinks resolved
  std::vector<std::filesystem::path> lexical_roots_;  // as configured
};

}  // namespace orchestra::blobs
