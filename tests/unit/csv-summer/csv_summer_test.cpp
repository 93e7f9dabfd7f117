// csv_summer::CsvSummer: RFC 4180 input, the summed columns, problems, and
// independence from how the input is split into pieces.

#include "csv_summer.hpp"

#include <doctest/doctest.h>

#include <random>
#include <string>

using namespace csv_summer;

namespace {

Totals run(const std::string& text, SumOptions options = {}, std::size_t piece = 0) {
  CsvSummer summer(options);
  if (piece == 0) {
    summer.feed(text);
  } else {
    for (std::size_t at = 0; at < text.size(); at += piece) {
      summer.feed(std::string_view(text).substr(at, piece));
    }
  }
  summer.finish();
  return summer.totals();
}

SumOptions every(int n, bool header = false) {
  SumOptions options;
  options.every = n;
  options.header = header;
  return options;
}

std::vector<std::string> sums(const Totals& totals) {
  std::vector<std::string> out;
  for (const auto& column : totals.columns) out.push_back(column.sum.to_json());
  return out;
}

}  // namespace

TEST_CASE("every n-th column is summed, with header names") {
  std::string text = "a,b,c,d\n1,2,3,4\n5,6,7,8\n";
  auto totals = run(text, every(2, true));
  REQUIRE(totals.columns.size() == 2);
  CHECK(totals.columns[0].index == 2);
  CHECK(totals.columns[0].name == "b");
  CHECK(totals.columns[1].name == "d");
  CHECK(sums(totals) == std::vector<std::string>{"8", "12"});
  CHECK(totals.rows == 2);
  CHECK_FALSE(totals.problem);
}

TEST_CASE("quoted fields: delimiters, doubled quotes and newlines inside") {
  std::string text = "x,\"15\"\n\"a,\"\"b\",\"2\"\n\"multi\nline\",\"3\"\n";
  auto totals = run(text, every(2));
  CHECK_FALSE(totals.problem);
  CHECK(totals.rows == 3);
  CHECK(sums(totals) == std::vector<std::string>{"20"});
}

TEST_CASE("CRLF, BOM, a missing final newline, blank lines") {
  std::string text = "\xEF\xBB\xBFh1,h2\r\n1,2.5\r\n\r\n3,4.5";
  auto totals = run(text, every(2, true));
  CHECK_FALSE(totals.problem);
  CHECK(totals.columns[0].name == "h2");
  CHECK(sums(totals) == std::vector<std::string>{"7"});
  CHECK(totals.rows == 2);
}

TEST_CASE("empty cells count as 0 and are reported, exponents and signs parse") {
  auto totals = run("1,\n2, \n3,1e2\n4,-2.5E-1\n5,\"+1\"\n", every(2));
  CHECK_FALSE(totals.problem);
  CHECK(sums(totals) == std::vector<std::string>{"100.75"});
  CHECK(totals.empty_cells == 2);
}

TEST_CASE("a non-numeric cell fails with row, column and cell unless skipped") {
  std::string text = "h1,h2\n1,2\n3,\"1,5\"\n4,5\n";
  auto failed = run(text, every(2, true));
  REQUIRE(failed.problem);
  CHECK(failed.problem->row == 2);
  CHECK(failed.problem->column == 2);
  CHECK(failed.problem->cell == "1,5");
  CHECK(failed.problem->message == "is not a number");
  auto options = every(2, true);
  options.skip_invalid = true;
  auto skipped = run(text, options);
  CHECK_FALSE(skipped.problem);
  CHECK(sums(skipped) == std::vector<std::string>{"7"});
  CHECK(skipped.skipped_cells == 1);
  CHECK(skipped.rows == 3);
}

TEST_CASE("long cells are truncated in the problem") {
  auto failed = run("h\n" + std::string(1000, 'x') + "\n", every(1, true));
  REQUIRE(failed.problem);
  CHECK(failed.problem->cell.size() < 50);
}

TEST_CASE("short rows fail naming the row, or are skipped whole") {
  std::string text = "a,b,c,d\n1,2,3,4\n5,6\n7,8,9,10\n";
  auto failed = run(text, every(2, true));
  REQUIRE(failed.problem);
  CHECK(failed.problem->row == 2);
  CHECK(failed.problem->column == 0);
  auto options = every(2, true);
  options.skip_invalid = true;
  auto skipped = run(text, options);
  CHECK(sums(skipped) == std::vector<std::string>{"10", "14"});
  CHECK(skipped.skipped_rows == 1);
}

TEST_CASE("an unclosed quote at the end is a problem") {
  auto failed = run("a,b\n1,\"2\n", every(2, true));
  REQUIRE(failed.problem);
  CHECK(failed.problem->message.find("never closed") != std::string::npos);
}

TEST_CASE("huge fields and other delimiters") {
  std::string big(5'000'000, 'z');
  auto options = every(2, true);
  options.delimiter = ';';
  auto totals = run("a;b\n\"" + big + "\";1.5\n" + big + ";2\n", options);
  CHECK_FALSE(totals.problem);
  CHECK(sums(totals) == std::vector<std::string>{"3.5"});
}

TEST_CASE("results do not depend on how the input is split into pieces") {
  std::mt19937 random(11);
  std::string text = "\xEF\xBB\xBF";
  text += "c1,c2,c3,c4\r\n";
  for (int row = 0; row < 300; ++row) {
    for (int column = 0; column < 4; ++column) {
      if (column > 0) text += ',';
      auto value = std::to_string(random() % 1000) + "." + std::to_string(random() % 100);
      if (column % 2 == 0 && random() % 3 == 0) {
        text += "\"a \"\"quoted\"\"\nfield, " + value + "\"";
      } else if (random() % 4 == 0) {
        text += "\"" + value + "\"";
      } else {
        text += value;
      }
    }
    text += random() % 2 ? "\r\n" : "\n";
  }
  auto whole = run(text, every(2, true));
  REQUIRE_FALSE(whole.problem);
  for (std::size_t piece : {1, 2, 3, 7, 16, 17, 64, 1000}) {
    CAPTURE(piece);
    auto split = run(text, every(2, true), piece);
    CHECK_FALSE(split.problem);
    CHECK(sums(split) == sums(whole));
    CHECK(split.rows == whole.rows);
  }
  CHECK(whole.rows == 300);
}

// Regression test for a disagreement the fuzz target found (fixed): a last
// line of carriage returns only was a row when fed whole and blank when
// fed in pieces.
TEST_CASE("carriage returns alone never make a row, however the input is split") {
  std::string text("\n\x01" "dS2,d,\"1\n\r\r");
  auto options = every(3);
  options.delimiter = ';';
  options.skip_invalid = true;
  for (std::size_t piece : {0, 1, 2, 3, 4, 5}) {
    CAPTURE(piece);
    CHECK(run(text, options, piece).rows == 1);
  }
}
