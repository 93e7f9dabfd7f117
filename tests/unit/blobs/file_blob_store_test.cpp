#include "blobs/file_blob_store.hpp"
#include "support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <filesystem>

using namespace orchestra::blobs;
using orchestra::testing::TempDir;

namespace {

std::string read_all(BlobReader& reader) {
  std::string out;
  char buffer[4];
  while (auto count = reader.read(buffer, sizeof buffer)) out.append(buffer, count);
  return out;
}

}  // namespace

TEST_CASE("file blobs inside a root are read; everything else is refused by name") {
  TempDir dir;
  auto inside = dir.write("root/data.csv", "a,b\n1,2\n");
  auto outside = dir.write("secret.txt", "no");
  std::filesystem::create_symlink(outside, dir.path() / "root" / "link.txt");
  FileBlobStore store({(dir.path() / "root").string()});

  auto reader = store.open("file://" + inside.string());
  CHECK(reader->size() == 8);
  CHECK(read_all(*reader) == "a,b\n1,2\n");

  auto refused = [&](const std::string& url, const std::string& reason) {
    CAPTURE(url);
    CHECK_THROWS_WITH_AS(store.open(url), doctest::Contains((url + ": " + reason).c_str()), BlobError);
  };
  refused("file://" + outside.string(), "outside the directories allowed");
  refused("file://" + (dir.path() / "root" / ".." / "secret.txt").string(), "outside");
  refused("file://" + (dir.path() / "root" / "link.txt").string(), "outside");
  refused("file://relative.csv", "file URLs need an absolute path");
  refused("file://" + (dir.path() / "root" / "missing.csv").string(), "No such file");
  refused("s3://bucket/key.csv", "unsupported blob URL scheme 's3'");
  refused("file://" + (dir.path() / "root").string(), "not a regular file");
}
