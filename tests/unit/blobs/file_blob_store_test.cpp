// blobs::FileBlobStore: file:// URLs are read only inside the configured
// roots; every refusal is a BlobError whose message starts with the URL.

#include "blobs/file_blob_store.hpp"
#include "support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include <sys/stat.h>

using namespace orchestra::blobs;
using orchestra::testing::TempDir;
namespace fs = std::filesystem;

namespace {

std::string read_all(BlobReader& reader) {
  std::string out;
  char buffer[3];  // small, so reading takes several calls
  while (auto count = reader.read(buffer, sizeof buffer)) out.append(buffer, count);
  return out;
}

std::string url_of(const fs::path& path) { return "file://" + path.string(); }

// `url` is refused with a BlobError reading "<url>: <reason>...".
void check_refused(FileBlobStore& store, const std::string& url, const std::string& reason) {
  CAPTURE(url);
  try {
    store.open(url);
    FAIL_CHECK("opened, expected a BlobError");
  } catch (const BlobError& error) {
    CHECK_MESSAGE(std::string(error.what()).starts_with(url + ": " + reason),
                  "message was: " << error.what());
  }
}

}  // namespace

TEST_CASE("a file inside a root is read in full, with its size") {
  TempDir dir;
  auto file = dir.write("root/data.csv", "a,b\n1,2\n");
  auto nested = dir.write("root/deep/er/x.txt", "nested");
  auto empty = dir.write("root/empty.txt", "");
  FileBlobStore store({(dir.path() / "root").string()});

  auto reader = store.open(url_of(file));
  CHECK(reader->size() == 8);
  CHECK(read_all(*reader) == "a,b\n1,2\n");
  CHECK(read_all(*reader).empty());  // stays at the end

  CHECK(read_all(*store.open(url_of(nested))) == "nested");
  auto nothing = store.open(url_of(empty));
  CHECK(nothing->size() == 0);
  CHECK(read_all(*nothing).empty());
  // A path that leaves and re-enters the root is normalised, then allowed.
  CHECK(read_all(*store.open(url_of(dir.path() / "root" / "deep" / ".." / "data.csv"))) ==
        "a,b\n1,2\n");
}

TEST_CASE("any of several roots allows a file, a root may be a symlink or end in a slash") {
  TempDir dir;
  auto first = dir.write("one/a.txt", "a");
  auto second = dir.write("two/b.txt", "b");
  dir.write("real/c.txt", "c");
  fs::create_directory_symlink(dir.path() / "real", dir.path() / "alias");
  FileBlobStore store({(dir.path() / "one").string() + "/", (dir.path() / "two").string(),
                       (dir.path() / "alias").string()});
  CHECK(read_all(*store.open(url_of(first))) == "a");
  CHECK(read_all(*store.open(url_of(second))) == "b");
  CHECK(read_all(*store.open(url_of(dir.path() / "alias" / "c.txt"))) == "c");
  CHECK(read_all(*store.open(url_of(dir.path() / "real" / "c.txt"))) == "c");
}

TEST_CASE("symlinks inside a root are not followed, even to a file inside it") {
  TempDir dir;
  dir.write("root/sub/target.txt", "t");
  fs::create_symlink(dir.path() / "root" / "sub" / "target.txt", dir.path() / "root" / "link.txt");
  fs::create_directory_symlink(dir.path() / "root" / "sub", dir.path() / "root" / "alias");
  FileBlobStore store({(dir.path() / "root").string()});
  const std::string reason = "outside the directories allowed by blobs.local.roots (symlinks are not followed)";
  check_refused(store, url_of(dir.path() / "root" / "link.txt"), reason);
  check_refused(store, "alias/target.txt", reason);
  CHECK(read_all(*store.open("sub/target.txt")) == "t");
}

TEST_CASE("a FIFO in a root is refused at once instead of waiting for a writer") {
  TempDir dir;
  dir.write("root/a.txt", "a");
  REQUIRE(::mkfifo((dir.path() / "root" / "pipe.csv").c_str(), 0600) == 0);
  FileBlobStore store({(dir.path() / "root").string()});
  check_refused(store, "pipe.csv", "not a regular file");
  check_refused(store, url_of(dir.path() / "root" / "pipe.csv"), "not a regular file");
}

TEST_CASE("paths outside the roots are refused, including ../ escapes and symlinks") {
  TempDir dir;
  dir.write("root/inside.txt", "ok");
  auto outside = dir.write("secret.txt", "no");
  auto sibling = dir.write("root2/file.txt", "no");  // shares the root's name as a prefix
  fs::create_symlink(outside, dir.path() / "root" / "link.txt");
  fs::create_directory_symlink(dir.path(), dir.path() / "root" / "up");
  FileBlobStore store({(dir.path() / "root").string()});

  const std::string reason = "outside the directories allowed by blobs.local.roots";
  check_refused(store, url_of(outside), reason);
  check_refused(store, url_of(sibling), reason);
  check_refused(store, url_of(dir.path() / "root" / ".." / "secret.txt"), reason);
  check_refused(store, url_of(dir.path() / "root" / "link.txt"), reason);
  check_refused(store, url_of(dir.path() / "root" / "up" / "secret.txt"), reason);
  check_refused(store, "file:///etc/passwd", reason);
}

TEST_CASE("without roots every file is refused") {
  TempDir dir;
  auto file = dir.write("a.txt", "a");
  FileBlobStore store({});
  check_refused(store, url_of(file), "no local storage is configured");
}

TEST_CASE("a file URL needs an absolute path") {
  TempDir dir;
  FileBlobStore store({dir.path().string()});
  check_refused(store, "file://relative.csv", "file URLs need an absolute path");
  check_refused(store, "file://", "file URLs need an absolute path");
  check_refused(store, "file://localhost/etc/passwd", "file URLs need an absolute path");
}

TEST_CASE("schemes other than file:// are refused by name") {
  TempDir dir;
  FileBlobStore store({dir.path().string()});
  check_refused(store, "s3://bucket/key.csv", "unsupported blob URL scheme 's3'");
  check_refused(store, "https://example.com/x.csv", "unsupported blob URL scheme 'https'");
  check_refused(store, (dir.path() / "x.csv").string(), "a path relative to the storage roots");
}

TEST_CASE("a missing file or a directory is refused by name") {
  TempDir dir;
  dir.write("root/a.txt", "a");
  FileBlobStore store({(dir.path() / "root").string()});
  check_refused(store, url_of(dir.path() / "root" / "missing.csv"), "no such file");
  check_refused(store, url_of(dir.path() / "root"), "not a regular file");
}

// Regression test for a bug found by review (fixed).
TEST_CASE("a missing file outside the roots is refused as outside") {
  TempDir dir;
  dir.write("root/a.txt", "a");
  FileBlobStore store({(dir.path() / "root").string()});
  check_refused(store, "file:///nonexistent/secret.txt",
                "outside the directories allowed by blobs.local.roots");
}

TEST_CASE("relative names resolve under the roots, in order, and say what kind of refusal") {
  TempDir dir;
  dir.write("first/shared.txt", "first");
  dir.write("second/shared.txt", "second");
  dir.write("second/only.txt", "0123456789");
  dir.write("outside.txt", "x");
  FileBlobStore store({(dir.path() / "first").string(), (dir.path() / "second").string()});
  CHECK(read_all(*store.open("shared.txt")) == "first");
  CHECK(read_all(*store.open("only.txt")) == "0123456789");
  CHECK(read_all(*store.open("only.txt", 4)) == "456789");
  auto info = store.stat("only.txt");
  CHECK(info.size == 10);
  CHECK_FALSE(info.version.empty());
  auto kind_of = [&](const std::string& name) {
    try {
      store.stat(name);
    } catch (const BlobError& error) {
      return error.kind();
    }
    FAIL("accepted " << name);
    return BlobError::Kind::unavailable;
  };
  CHECK(kind_of("missing.txt") == BlobError::Kind::not_found);
  CHECK(kind_of("../outside.txt") == BlobError::Kind::invalid);
  CHECK(kind_of("a/../../outside.txt") == BlobError::Kind::invalid);
  CHECK(kind_of((dir.path() / "outside.txt").string()) == BlobError::Kind::invalid);
  CHECK(kind_of("") == BlobError::Kind::invalid);
  CHECK(kind_of("s3://bucket/key") == BlobError::Kind::invalid);
}
