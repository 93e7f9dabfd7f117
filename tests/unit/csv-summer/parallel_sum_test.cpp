// csv_summer::sum_file over real files: any number of threads gives the
// sequential result, also when quoted newlines and quotes sit at split
// points, and problems keep their global row numbers.

#include "parallel_sum.hpp"

#include "blobs/file_blob_store.hpp"
#include "support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <random>

using namespace csv_summer;
using orchestra::testing::TempDir;

namespace {

std::vector<std::string> sums(const Totals& totals) {
  std::vector<std::string> out;
  for (const auto& column : totals.columns) out.push_back(column.sum.to_json());
  return out;
}

FileTotals sum_with(orchestra::blobs::BlobStore& blobs, const std::string& name, int threads,
                    SumOptions options = {}) {
  ParallelOptions parallel;
  parallel.threads = threads;
  parallel.parallel_above = 0;
  parallel.buffer_bytes = 4096;
  return sum_file(blobs, name, options, parallel, [](std::uint64_t, std::uint64_t) {});
}

std::string generated(std::mt19937& random, int rows) {
  std::string text = "\xEF\xBB\xBF";
  for (int c = 1; c <= 20; ++c) text += (c > 1 ? "," : "") + ("h" + std::to_string(c));
  text += "\n";
  for (int row = 0; row < rows; ++row) {
    for (int c = 1; c <= 20; ++c) {
      if (c > 1) text += ',';
      auto value = std::to_string(random() % 10000) + "." + std::to_string(random() % 1000);
      switch (random() % 6) {
        case 0: text += "\"multi\nline \"\"quoted\"\",\n\n" + std::to_string(c) + "\""; break;
        case 1: text += "\"" + value + "\""; break;
        case 2: text += ""; break;
        default: text += value;
      }
    }
    text += random() % 3 == 0 ? "\r\n" : "\n";
  }
  return text;
}

}  // namespace

TEST_CASE("every thread count gives the sequential sums, quoted newlines at split points too") {
  TempDir dir;
  std::mt19937 random(99);
  dir.write("data/mixed.csv", generated(random, 3000));
  orchestra::blobs::FileBlobStore blobs({(dir.path() / "data").string()});
  SumOptions options;
  options.every = 10;
  options.skip_invalid = true;  // the generator puts text in some summed cells
  auto one = sum_with(blobs, "mixed.csv", 1, options);
  REQUIRE_FALSE(one.totals.problem);
  CHECK(one.totals.rows == 3000);
  for (int threads : {2, 3, 4, 7, 16, 64}) {
    CAPTURE(threads);
    auto many = sum_with(blobs, "mixed.csv", threads, options);
    CHECK_FALSE(many.totals.problem);
    CHECK(many.totals.rows == one.totals.rows);
    CHECK(sums(many.totals) == sums(one.totals));
    CHECK(many.totals.empty_cells == one.totals.empty_cells);
    CHECK(many.totals.skipped_cells == one.totals.skipped_cells);
    CHECK(many.totals.columns[0].name == "h10");
  }
}

TEST_CASE("one pass when no split point is inside quotes, an exact second pass when one is") {
  TempDir dir;
  std::string rows = "a,b\n";
  for (int i = 0; i < 500; ++i) rows += std::to_string(i) + ",\"x\"\"y\"\n";
  // The middle of this file is a quoted field of many lines, each looking
  // like a row that would be summed if taken for one.
  std::string quoted = rows + "1,\"";
  for (int i = 0; i < 400; ++i) quoted += "7,7\n";
  quoted += "\"\n" + rows.substr(4);
  dir.write("data/plain.csv", rows);
  dir.write("data/quoted.csv", quoted);
  orchestra::blobs::FileBlobStore blobs({(dir.path() / "data").string()});
  SumOptions options;
  options.every = 1;
  options.skip_invalid = true;
  auto plain = sum_with(blobs, "plain.csv", 2, options);
  CHECK_FALSE(plain.summed_twice);
  CHECK(sums(plain.totals) == sums(sum_with(blobs, "plain.csv", 1, options).totals));
  auto split = sum_with(blobs, "quoted.csv", 2, options);
  CHECK(split.summed_twice);
  auto sequential = sum_with(blobs, "quoted.csv", 1, options);
  CHECK(sums(split.totals) == sums(sequential.totals));
  CHECK(split.totals.rows == 1001);
  CHECK(split.totals.skipped_cells == sequential.totals.skipped_cells);
}

TEST_CASE("a quote kept as text inside an unquoted field makes the sum sequential, exactly") {
  TempDir dir;
  // The 12" flips the quote parity for everything after it: split points
  // placed by parity would cut the quoted multi-line fields wrongly.
  std::string text = "id,size,amount\n1,12\" screen,5\n";
  for (int i = 2; i <= 2000; ++i) {
    text += std::to_string(i) + ",\"multi\n" + std::to_string(i) + ",7\"," + std::to_string(i) +
            "\n";
  }
  dir.write("data/inch.csv", text);
  orchestra::blobs::FileBlobStore blobs({(dir.path() / "data").string()});
  SumOptions options;
  options.every = 3;
  auto one = sum_with(blobs, "inch.csv", 1, options);
  REQUIRE_FALSE(one.totals.problem);
  CHECK(one.totals.rows == 2000);
  CHECK(one.totals.text_quotes == 1);
  for (int threads : {2, 3, 7}) {
    CAPTURE(threads);
    auto many = sum_with(blobs, "inch.csv", threads, options);
    CHECK_FALSE(many.totals.problem);
    CHECK(many.summed_twice);
    CHECK(many.totals.rows == 2000);
    CHECK(sums(many.totals) == sums(one.totals));
  }
}

TEST_CASE("a problem far into the file keeps its global row number with threads") {
  TempDir dir;
  std::string text = "a,b\n";
  for (int row = 1; row <= 5000; ++row) text += row == 4321 ? "1,bad\n" : "1,2\n";
  dir.write("data/late.csv", text);
  orchestra::blobs::FileBlobStore blobs({(dir.path() / "data").string()});
  SumOptions options;
  options.every = 2;
  for (int threads : {1, 2, 5}) {
    CAPTURE(threads);
    auto result = sum_with(blobs, "late.csv", threads, options);
    REQUIRE(result.totals.problem);
    CHECK(result.totals.problem->row == 4321);
    CHECK(result.totals.problem->cell == "bad");
  }
}

TEST_CASE("tiny files, no final newline, and a file that is one row") {
  TempDir dir;
  dir.write("data/one.csv", "a,b\n1,2");
  dir.write("data/header.csv", "a,b");
  orchestra::blobs::FileBlobStore blobs({(dir.path() / "data").string()});
  SumOptions options;
  options.every = 2;
  CHECK(sums(sum_with(blobs, "one.csv", 4, options).totals) == std::vector<std::string>{"2"});
  CHECK(sum_with(blobs, "header.csv", 4, options).totals.rows == 0);
}

TEST_CASE("quotes are counted exactly over any range, past the 255 blocks a byte lane holds") {
  TempDir dir;
  std::mt19937 random(7);
  // 70,000 bytes: more than 255 blocks of 16 bytes twice over, quotes dense
  // in places (a lane would overflow at 256 matches) and a ragged tail.
  std::string text(70'000, 'x');
  for (std::size_t i = 0; i < 20'000; ++i) text[i] = '"';
  for (std::size_t i = 20'000; i < text.size(); ++i) {
    if (random() % 7 == 0) text[i] = '"';
  }
  dir.write("data/quotes.csv", text);
  orchestra::blobs::FileBlobStore blobs({(dir.path() / "data").string()});
  for (auto [begin, end] : {std::pair<std::size_t, std::size_t>{0, 70'000}, {1, 69'999},
                            {3, 4'083}, {19'990, 20'011}, {40'000, 40'015}, {5, 5}}) {
    auto expected = static_cast<std::uint64_t>(
        std::count(text.begin() + static_cast<long>(begin), text.begin() + static_cast<long>(end),
                   '"'));
    CHECK_MESSAGE(count_quotes_in(blobs, "quotes.csv", begin, end) == expected,
                  "range ", begin, "-", end);
  }
}
