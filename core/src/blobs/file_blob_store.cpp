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

std::filesystem::path FileBlobStore::resolve(const std::string& name) const {
  constexpr std::string_view kScheme = "file://";
  auto outside = [&] {
    return BlobError(BlobError::Kind::invalid,
                     fmt::format("{}: outside the directories allowed by blobs.local.roots", name));
  };
  if (roots_.empty()) {
    throw BlobError(BlobError::Kind::invalid,
                    fmt::format("{}: no local storage is configured (blobs.local.roots)", name));
  }
  std::vector<fs::path> candidates;
  if (name.starts_with(kScheme)) {
    auto path = fs::path(name.substr(kScheme.size()));
    if (!path.is_absolute()) {
      throw BlobError(BlobError::Kind::invalid,
                      fmt::format("{}: file URLs need an absolute path (file:///dir/file)", name));
    }
    candidates.push_back(path);
  } else {
    auto colon = name.find("://");
    if (colon != std::string::npos) {
      throw BlobError(BlobError::Kind::invalid,
                      fmt::format("{}: unsupported blob URL scheme '{}'", name, name.substr(0, colon)));
    }
    auto relative = fs::path(name);
    if (name.empty() || relative.is_absolute()) {
      throw BlobError(BlobError::Kind::invalid,
                      fmt::format("{}: a path relative to the storage roots is expected", name));
    }
    for (const auto& part : relative) {
      if (part == "..") {
        throw BlobError(BlobError::Kind::invalid, fmt::format("{}: '..' is not allowed", name));
      }
    }
    for (const auto& root : lexical_roots_) candidates.push_back(root / relative);
  }
  // Judged on the lexical path first, so a client learns nothing about
  // files outside the roots, then again after resolving symlinks.
  auto within_roots = [&](const fs::path& candidate) {
    return std::any_of(roots_.begin(), roots_.end(),
                       [&](const fs::path& root) { return is_within(candidate, root); }) ||
           std::any_of(lexical_roots_.begin(), lexical_roots_.end(),
                       [&](const fs::path& root) { return is_within(candidate, root); });
  };
  for (const auto& candidate : candidates) {
    auto lexical = candidate.lexically_normal();
    if (!within_roots(lexical)) throw outside();
    std::error_code error;
    auto canonical = fs::canonical(lexical, error);
    if (error) continue;
    if (!std::any_of(roots_.begin(), roots_.end(),
                     [&](const fs::path& root) { return is_within(canonical, root); })) {
      throw outside();
    }
    return canonical;
  }
  throw BlobError(BlobError::Kind::not_found, fmt::format("{}: no such file", name));
}

BlobInfo FileBlobStore::stat(const std::string& name) {
  auto path = resolve(name);
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0 || !S_ISREG(info.st_mode)) {
    throw BlobError(BlobError::Kind::invalid, fmt::format("{}: not a regular file", name));
  }
  return BlobInfo{static_cast<std::uint64_t>(info.st_size),
                  fmt::format("{}-{}.{}", info.st_size, info.st_mtim.tv_sec, info.st_mtim.tv_nsec)};
}

std::unique_ptr<BlobReader> FileBlobStore::open(const std::string& name, std::uint64_t offset) {
  auto path = resolve(name);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw BlobError(fmt::format("{}: {}", name, std::strerror(errno)));
  struct stat info {};
  if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    ::close(fd);
    throw BlobError(BlobError::Kind::invalid, fmt::format("{}: not a regular file", name));
  }
  if (offset > 0 && ::lseek(fd, static_cast<off_t>(offset), SEEK_SET) < 0) {
    ::close(fd);
    throw BlobError(fmt::format("{}: cannot seek to {}: {}", name, offset, std::strerror(errno)));
  }
#ifdef POSIX_FADV_SEQUENTIAL
  ::posix_fadvise(fd, static_cast<off_t>(offset), 0, POSIX_FADV_SEQUENTIAL);
#endif
  return std::make_unique<FileReader>(fd, static_cast<std::uint64_t>(info.st_size));
}

}  // namespace orchestra::blobs
