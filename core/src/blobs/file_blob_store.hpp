#pragma once
// Local files confined to configured root directories, so a name sent by a
// client cannot read arbitrary files of the host.

#include <orchestra/blobs.hpp>

#include <filesystem>
#include <vector>

namespace orchestra::blobs {

class FileBlobStore final : public BlobStore {
 public:
  explicit FileBlobStore(const std::vector<std::string>& roots);
  BlobInfo stat(const std::string& name) override;
  std::unique_ptr<BlobReader> open(const std::string& name, std::uint64_t offset = 0) override;

 private:
  // The checked, symlink-resolved path of `name`.
  std::filesystem::path resolve(const std::string& name) const;
  std::vector<std::filesystem::path> roots_;          // symlinks resolved
  std::vector<std::filesystem::path> lexical_roots_;  // as configured
};

}  // namespace orchestra::blobs
