#include "auth/signing_secret.hpp"

#include "auth/encoding.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

namespace orchestra::auth {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kMinSecretBytes = 32;

std::string read_secret(const fs::path& file, spdlog::logger& log) {
  std::ifstream in(file);
  std::string secret;
  if (!in || !std::getline(in, secret)) {
    throw std::runtime_error(fmt::format("cannot read the token signing secret {}: {}",
                                         file.string(), std::strerror(errno)));
  }
  if (secret.size() < kMinSecretBytes) {
    throw std::runtime_error(fmt::format(
        "the token signing secret in {} is shorter than {} characters", file.string(),
        kMinSecretBytes));
  }
  struct stat info {};
  if (::stat(file.c_str(), &info) == 0 && (info.st_mode & 077) != 0) {
    log.warn("the token signing secret {} is readable by other users; chmod 600 it",
             file.string());
  }
  return secret;
}

// False when the file appeared meanwhile (another process won the race).
bool write_new_secret(const fs::path& file, const std::string& secret) {
  if (file.has_parent_path()) fs::create_directories(file.parent_path());
  int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0 && errno == EEXIST) return false;
  if (fd < 0) {
    throw std::runtime_error(fmt::format("cannot create the token signing secret {}: {}",
                                         file.string(), std::strerror(errno)));
  }
  auto line = secret + "\n";
  bool written = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  bool closed = ::close(fd) == 0;
  if (!written || !closed) {
    fs::remove(file);
    throw std::runtime_error(
        fmt::format("cannot write the token signing secret {}", file.string()));
  }
  return true;
}

}  // namespace

std::string load_signing_secret(const config::AuthConfig& config, spdlog::logger& log) {
  if (config.secret) return *config.secret;
  fs::path file = config.secret_file;
  if (!fs::exists(file)) {
    auto secret = random_token();
    if (write_new_secret(file, secret)) {
      log.info("generated a token signing secret into {} (mode 0600); api processes that "
               "serve one deployment need the same secret: set ORCHESTRA_AUTH__SECRET",
               file.string());
      return secret;
    }
  }
  return read_secret(file, log);
}

}  // namespace orchestra::auth
