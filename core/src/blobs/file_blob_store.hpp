#pragma once
// Local files confined to configured root directories, so a name sent by a
// client cannot read arbitrary files of the host: each file is opened
// beneath its root's directory, component by component, following no
// symlink inside the roots (a root itself may be one).

#include <orchestra/blobs.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include <sys/stat.h>
#include <vector>

namespace orchestra::blobs {

class FileBlobStore final : public BlobStore {
 public:
  explicit FileBlobStore(const std::vector<std::string>& roots);
  BlobInfo stat(const std::string& name) override;
  std::unique_ptr<BlobReader> open(const std::string& name, std::uint64_t offset = 0) override;

 private:
  struct Candidate {
    std::filesystem::path root;
    std::filesystem::path relative;
  };
  // Where `name` may be, in order; throws BlobError for a name that can
  // only be outside the roots or is malformed.
  std::vector<Candidate> candidates(const std::string& name) const;
  // A descriptor of the first regular file found, opened beneath its root
  // without following symlinks; throws BlobError.
  int open_regular(const std::string& name, struct stat& info) const;
  static BlobError outside(const std::string& name);
  static BlobError not_regular(const std::string& name);
  std::vector<std::filesystem::path> roots_;          // symlinks resolved
  std::vector<std::filesystem::path> lexical_roots_;  // as configured
};

}  // namespace orchestra::blobs
