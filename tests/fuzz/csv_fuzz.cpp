// libFuzzer target for the csv-summer parser: any bytes, fed whole and in
// pieces, with the options drawn from the input, must neither crash nor
// disagree between the two feeds.

#include "csv_summer.hpp"

#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  csv_summer::SumOptions options;
  options.every = 1 + data[0] % 4;
  options.header = (data[1] & 1) != 0;
  options.skip_invalid = (data[1] & 2) != 0;
  options.delimiter = (data[1] & 4) != 0 ? ';' : ',';
  std::string_view text(reinterpret_cast<const char*>(data + 2), size - 2);

  csv_summer::CsvSummer whole(options);
  whole.feed(text);
  whole.finish();
  csv_summer::CsvSummer pieces(options);
  std::size_t step = 1 + data[0] % 7;
  for (std::size_t at = 0; at < text.size(); at += step) pieces.feed(text.substr(at, step));
  pieces.finish();

  const auto& a = whole.totals();
  const auto& b = pieces.totals();
  bool same = a.rows == b.rows && a.problem.has_value() == b.problem.has_value() &&
              a.columns.size() == b.columns.size();
  for (std::size_t i = 0; same && i < a.columns.size(); ++i) {
    same = a.columns[i].sum.to_json() == b.columns[i].sum.to_json();
  }
  if (!same) std::abort();
  return 0;
}
