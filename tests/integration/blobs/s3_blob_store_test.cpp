// blobs::S3BlobStore against a real S3-compatible server (s3rver, started
// by scripts/test.sh) directly and through the suite's fault-injecting
// proxy: dropped connections, stalls and 500s are retried and resumed at
// the byte where they stopped; an object replaced mid-read fails clearly.

#include "support/fault_proxy.hpp"

#include "blobs/s3_names.hpp"
#include "support/temp_dir.hpp"

#include "blobs/s3_blob_store.hpp"

#include <doctest/doctest.h>

#include <fmt/format.h>

#include <cstdlib>
#include <random>

using namespace orchestra::blobs;
using orchestra::testing::FaultProxy;
using orchestra::testing::TempDir;
using namespace std::chrono_literals;

namespace {

std::optional<std::string> endpoint() {
  const char* value = std::getenv("ORCHESTRA_TEST_S3_ENDPOINT");
  if (value == nullptr || *value == '\0') {
    FAIL_CHECK("ORCHESTRA_TEST_S3_ENDPOINT is not set; run ./scripts/test.sh");
    return std::nullopt;
  }
  return std::string(value);
}

std::uint16_t port_of(const std::string& url) {
  return static_cast<std::uint16_t>(std::stoi(url.substr(url.rfind(':') + 1)));
}

S3Config config_for(const std::string& url) {
  S3Config config;
  config.endpoint = url;
  config.path_style = true;
  config.range_bytes = 64 << 10;
  config.max_attempts = 5;
  config.first_backoff = 10ms;
  config.max_backoff = 100ms;
  config.stall_timeout = 1s;
  config.access_key = "S3RVER";
  config.secret_key = "S3RVER";
  config.allowed = {"orchestra-test"};
  return config;
}

// Uploads through the curl command line (SigV4, as our reader signs).
void put(const std::string& url, const std::string& key, const std::string& content) {
  TempDir dir;
  auto file = dir.write("object", content);
  auto command = fmt::format(
      "curl -sf -X PUT --aws-sigv4 aws:amz:us-east-1:s3 --user S3RVER:S3RVER "
      "-H \"x-amz-content-sha256: UNSIGNED-PAYLOAD\" -T '{}' '{}/orchestra-test/{}' >/dev/null",
      file.string(), url, key);
  REQUIRE_MESSAGE(std::system(command.c_str()) == 0, command);
}

std::string random_text(std::size_t size, unsigned seed) {
  std::mt19937 random(seed);
  std::string text(size, '\0');
  for (auto& c : text) c = static_cast<char>('a' + random() % 26);
  return text;
}

std::string read_all(BlobReader& reader, std::size_t piece = 10'000) {
  std::string out, buffer(piece, '\0');
  while (auto count = reader.read(buffer.data(), buffer.size())) out.append(buffer.data(), count);
  return out;
}

}  // namespace

TEST_CASE("s3: stat, whole and offset reads, missing objects, bad names") {
  auto url = endpoint();
  if (!url) return;
  auto content = random_text(300'000, 1);
  put(*url, "happy/data.csv", content);
  S3BlobStore store(config_for(*url));
  auto info = store.stat("s3://orchestra-test/happy/data.csv");
  CHECK(info.size == content.size());
  CHECK_FALSE(info.version.empty());
  CHECK(read_all(*store.open("s3://orchestra-test/happy/data.csv")) == content);
  CHECK(read_all(*store.open("s3://orchestra-test/happy/data.csv", 123'456)) ==
        content.substr(123'456));
  auto kind_of = [&](const std::string& name) {
    try {
      store.stat(name);
    } catch (const BlobError& error) {
      return error.kind();
    }
    FAIL("accepted " << name);
    return BlobError::Kind::unavailable;
  };
  CHECK(kind_of("s3://orchestra-test/happy/missing.csv") == BlobError::Kind::not_found);
  CHECK(kind_of("s3://orchestra-test") == BlobError::Kind::invalid);
  CHECK(kind_of("s3://Not_A_Bucket/key") == BlobError::Kind::invalid);
  auto anonymous = config_for(*url);
  anonymous.access_key.clear();
  CHECK_THROWS_AS(S3BlobStore(anonymous).stat("s3://orchestra-test/happy/data.csv"), BlobError);
}

TEST_CASE("s3: only buckets and prefixes in blobs.s3.allowed are read, checked before any request") {
  auto config = config_for("http://127.0.0.1:9");  // nothing listens: no request may be made
  config.allowed = {"orchestra-test/reports", "public-data"};
  S3BlobStore store(config);
  auto refusal = [&](const std::string& name) {
    try {
      store.stat(name);
    } catch (const BlobError& error) {
      return std::string(error.what()).substr(name.size());
    }
    return std::string("accepted");
  };
  const std::string outside = ": outside the buckets and prefixes allowed by blobs.s3.allowed";
  CHECK(refusal("s3://orchestra-test/secrets/keys.csv") == outside);
  CHECK(refusal("s3://orchestra-test/reportsX.csv") == outside);
  CHECK(refusal("s3://orchestra-test/reports-private/keys.csv") == outside);  // a prefix is a folder
  CHECK(refusal("s3://other-bucket/reports/a.csv") == outside);
  CHECK(refusal("s3://orchestra-test/reports/../secrets/keys.csv") == ": '.' and '..' are not allowed in keys");
  // Allowed names get as far as the network (nothing listens here).
  CHECK(refusal("s3://orchestra-test/reports/2026.csv").find("gave up") != std::string::npos);
  CHECK(refusal("s3://public-data/any/key.csv").find("gave up") != std::string::npos);
  CHECK(refusal("s3://orchestra-test/reports/x.csv") != outside);
  CHECK(S3BlobStore(config_for("http://127.0.0.1:9")).locate("s3://orchestra-test/a").name == "s3://orchestra-test/a");
  auto none = config_for("http://127.0.0.1:9");
  none.allowed.clear();
  CHECK_THROWS_WITH_AS(S3BlobStore(none).locate("s3://orchestra-test/a"),
                       "s3://orchestra-test/a: outside the buckets and prefixes allowed by blobs.s3.allowed",
                       BlobError);
  CHECK(allowed_entry_problem("orchestra-test/reports/") == std::nullopt);
  CHECK(allowed_entry_problem("Bad_Bucket"));
  CHECK(allowed_entry_problem("orchestra-test/../x"));
}

TEST_CASE("s3: an object the credentials may not read is reported like a missing one") {
  auto url = endpoint();
  if (!url) return;
  put(*url, "private/data.csv", "a,b\n1,2\n");
  // s3rver checks no signatures: a proxy answers 403 as S3 does for a key
  // the credentials may not read.
  FaultProxy proxy(port_of(*url));
  proxy.fail_next(1, 403);
  auto denying = config_for(fmt::format("http://127.0.0.1:{}", proxy.port()));
  auto message = [](S3BlobStore store, const std::string& name) {
    try {
      store.stat(name);
    } catch (const BlobError& error) {
      CHECK(error.kind() == BlobError::Kind::not_found);
      return std::string(error.what()).substr(name.size());
    }
    return std::string("accepted");
  };
  auto denied = message(S3BlobStore(denying), "s3://orchestra-test/private/data.csv");
  auto missing = message(S3BlobStore(config_for(*url)), "s3://orchestra-test/private/none.csv");
  CHECK(denied == missing);
  CHECK(denied == ": no such object, or no access to it");
}

TEST_CASE("s3: dropped connections, stalls and 500s are retried and resumed exactly") {
  auto url = endpoint();
  if (!url) return;
  auto content = random_text(400'000, 2);
  put(*url, "faults/data.csv", content);
  FaultProxy proxy(port_of(*url));
  S3BlobStore store(config_for(fmt::format("http://127.0.0.1:{}", proxy.port())));
  const std::string name = "s3://orchestra-test/faults/data.csv";

  SUBCASE("drops mid-transfer") {
    proxy.drop_after(30'000, 3);
    auto reader = store.open(name);
    CHECK(read_all(*reader) == content);
  }
  SUBCASE("a stall longer than stall_timeout") {
    auto reader = store.open(name);
    proxy.stall_after(20'000, 3s, 1);
    CHECK(read_all(*reader) == content);
  }
  SUBCASE("500s") {
    proxy.fail_next(3);
    CHECK(read_all(*store.open(name)) == content);
  }
  SUBCASE("a storage that keeps failing gives up with a clear error") {
    proxy.fail_next(20);
    try {
      store.stat(name);
      FAIL("no error");
    } catch (const BlobError& error) {
      CHECK(error.kind() == BlobError::Kind::unavailable);
      CHECK(std::string(error.what()).find("gave up after 5 attempts") != std::string::npos);
    }
  }
}

TEST_CASE("s3: an object replaced mid-read fails instead of mixing versions") {
  auto url = endpoint();
  if (!url) return;
  auto first = random_text(300'000, 3);
  put(*url, "changing/data.csv", first);
  S3BlobStore store(config_for(*url));
  auto reader = store.open("s3://orchestra-test/changing/data.csv");
  std::string buffer(10'000, '\0');
  REQUIRE(reader->read(buffer.data(), buffer.size()) > 0);
  put(*url, "changing/data.csv", random_text(300'000, 4));
  try {
    read_all(*reader);
    FAIL("read a changed object to the end");
  } catch (const BlobError& error) {
    CHECK(error.kind() == BlobError::Kind::invalid);
    CHECK(std::string(error.what()).find("changed while it was being read") != std::string::npos);
  }
}
