#include "blobs/file_blob_store.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <utility>
#include <vector>
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

class Descriptor {
 public:
  explicit Descriptor(int fd) : fd_(fd) {}
  ~Descriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  Descriptor(const Descriptor&) = delete;
  Descriptor& operator=(const Descriptor&) = delete;
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

struct Opened {
  int fd = -1;
  int error = 0;  // errno when fd < 0
};

// Opens `relative` beneath the directory `root` one component at a time,
// none of them followed if it is a symlink, so nothing swapped in after a
// check can lead outside the root. O_NONBLOCK: opening a FIFO must not
// wait for a writer.
Opened open_beneath(const fs::path& root, const fs::path& relative) {
  std::vector<fs::path> parts;
  for (const auto& part : relative) {
    if (!part.empty() && part != ".") parts.push_back(part);
  }
  if (parts.empty()) return {-1, EISDIR};
  int directory = ::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  for (std::size_t i = 0; directory >= 0 && i + 1 < parts.size(); ++i) {
    int next = ::openat(directory, parts[i].c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    int error = errno;
    ::close(directory);
    directory = next;
    errno = error;
  }
  if (directory < 0) return {-1, errno};
  int fd = ::openat(directory, parts.back().c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  Opened opened{fd, errno};
  ::close(directory);
  return opened;
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

std::vector<FileBlobStore::Candidate> FileBlobStore::candidates(const std::string& name) const {
  constexpr std::string_view kScheme = "file://";
  if (roots_.empty()) {
    throw BlobError(BlobError::Kind::invalid,
                    fmt::format("{}: no local storage is configured (blobs.local.roots)", name));
  }
  std::vector<Candidate> found;
  if (name.starts_with(kScheme)) {
    auto path = fs::path(name.substr(kScheme.size()));
    if (!path.is_absolute()) {
      throw BlobError(BlobError::Kind::invalid,
                      fmt::format("{}: file URLs need an absolute path (file:///dir/file)", name));
    }
    // Judged on the lexical path, so a client learns nothing about files
    // outside the roots.
    auto lexical = path.lexically_normal();
    for (const auto* roots : {&lexical_roots_, &roots_}) {
      for (const auto& root : *roots) {
        if (is_within(lexical, root)) found.push_back({root, lexical.lexically_relative(root)});
      }
    }
    if (found.empty()) throw outside(name);
    return found;
  }
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
  for (const auto& root : lexical_roots_) found.push_back({root, relative});
  return found;
}

BlobError FileBlobStore::outside(const std::string& name) {
  return BlobError(BlobError::Kind::invalid,
                   fmt::format("{}: outside the directories allowed by blobs.local.roots", name));
}

int FileBlobStore::open_regular(const std::string& name, struct stat& info) const {
  for (const auto& candidate : candidates(name)) {
    auto opened = open_beneath(candidate.root, candidate.relative);
    if (opened.fd < 0) {
      if (opened.error == ENOENT) continue;
      if (opened.error == ELOOP || opened.error == ENOTDIR) {
        throw BlobError(BlobError::Kind::invalid,
                        fmt::format("{}: outside the directories allowed by blobs.local.roots "
                                    "(symlinks are not followed)", name));
      }
      if (opened.error == EISDIR) throw not_regular(name);
      throw BlobError(fmt::format("{}: {}", name, std::strerror(opened.error)));
    }
    Descriptor fd(opened.fd);
    if (::fstat(fd.get(), &info) != 0 || !S_ISREG(info.st_mode)) throw not_regular(name);
    // Regular files ignore O_NONBLOCK; cleared so reads never depend on it.
    ::fcntl(fd.get(), F_SETFL, ::fcntl(fd.get(), F_GETFL) & ~O_NONBLOCK);
    return fd.release();
  }
  throw BlobError(BlobError::Kind::not_found, fmt::format("{}: no such file", name));
}

BlobError FileBlobStore::not_regular(const std::string& name) {
  return BlobError(BlobError::Kind::invalid, fmt::format("{}: not a regular file", name));
}

BlobInfo FileBlobStore::stat(const std::string& name) {
  struct stat info {};
  Descriptor fd(open_regular(name, info));
  return BlobInfo{static_cast<std::uint64_t>(info.st_size),
                  fmt::format("{}-{}.{}", info.st_size, info.st_mtim.tv_sec, info.st_mtim.tv_nsec)};
}

std::unique_ptr<BlobReader> FileBlobStore::open(const std::string& name, std::uint64_t offset) {
  struct stat info {};
  Descriptor fd(open_regular(name, info));
  if (offset > 0 && ::lseek(fd.get(), static_cast<off_t>(offset), SEEK_SET) < 0) {
    throw BlobError(fmt::format("{}: cannot seek to {}: {}", name, offset, std::strerror(errno)));
  }
#ifdef POSIX_FADV_SEQUENTIAL
  ::posix_fadvise(fd.get(), static_cast<off_t>(offset), 0, POSIX_FADV_SEQUENTIAL);
#endif
  return std::make_unique<FileReader>(fd.release(), static_cast<std::uint64_t>(info.st_size));
}

}  // namespace orchestra::blobs
