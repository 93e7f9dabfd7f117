#include "blobs/file_blob_store.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace orchestra::blobs {
namespace {

namespace fs = std::filesystem;

class FileReader final : public BlobReader {
 public:
  FileReader(int fd, std::uint64_t size) : fd_(fd), size_(size) {}
  ~FileReader() override { ::close(fd_); }
  FileReader(const FileReader&) = delete;
  FileReader& operator=(const FileReader&) = delete;

  std::size_t read(char* buffer, std::size_t size) override {
    while (true) {
      auto count = ::read(fd_, buffer, size);
      if (count >= 0) return static_cast<std::size_t>(count);
      if (errno != EINTR) throw BlobError(fmt::format("read failed: {}", std::strerror(errno)));
    }
  }
  std::optional<std::uint64_t> size() const override { return size_; }

 private:
  int fd_;
  std::uint64_t size_;
};

bool is_within(const fs::path& path, const fs::path& root) {
  auto relative = path.lexically_relative(root);
  return !relative.empty() && *relative.begin() != "..";
}

}  // namespace

FileBlobStore::FileBlobStore(const std::vector<std::string>& roots) {
  for (const auto& root : roots) {
    lexical_roots_.push_back(fs::absolute(root).lexically_normal());
    std::error_code error;
    auto canonical = fs::weakly_canonical(fs::absolute(root), error);
    roots_.push_back(error ? fs::absolute(root) : canonical);
  }
}

std::unique_ptr<BlobReader> FileBlobStore::open(const std::string& url) {
  constexpr std::string_view kScheme = "file://";
  if (!url.starts_with(kScheme)) {
    auto colon = url.find("://");
    throw BlobError(fmt::format("{}: unsupported blob URL scheme '{}'", url,
                                colon == std::string::npos ? url : url.substr(0, colon)));
  }
  auto path = fs::path(url.substr(kScheme.size()));
  if (!path.is_absolute()) {
    throw BlobError(fmt::format("{}: file URLs need an absolute path (file:///dir/file)", url));
  }
  // Judged on the lexical path first, so a client learns nothing about
  // files outside the roots, then again after resolving symlinks.
  auto within_roots = [&](const fs::path& candidate) {
    return std::any_of(roots_.begin(), roots_.end(),
                       [&](const fs::path& root) { return is_within(candidate, root); });
  };
  auto outside = [&] {
    return BlobError(fmt::format("{}: outside the directories allowed by blobs.file_roots", url));
  };
  auto lexical = path.lexically_normal();
  if (!within_roots(lexical) &&
      std::none_of(lexical_roots_.begin(), lexical_roots_.end(),
                   [&](const fs::path& root) { return is_within(lexical, root); })) {
    throw outside();
  }
  std::error_code error;
  auto canonical = fs::canonical(path, error);
  if (error) throw BlobError(fmt::format("{}: {}", url, error.message()));
  if (!within_roots(canonical)) throw outside();
  int fd = ::open(canonical.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw BlobError(fmt::format("{}: {}", url, std::strerror(errno)));
  struct stat info {};
  if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    ::close(fd);
    throw BlobError(fmt::format("{}: not a regular file", url));
  }
  return std::make_unique<FileReader>(fd, static_cast<std::uint64_t>(info.st_size));
}

}  // namespace orchestra::blobs
