#!/usr/bin/env bash
# Builds the csv-summer parser's libFuzzer target with clang and runs it
# briefly (FUZZ_SECONDS, default 20). Run by CTest; needs clang (setup.sh
# installs it).
set -euo pipefail
source_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build_dir=${1:?usage: run_csv_fuzz.sh BUILD_DIR}
seconds=${FUZZ_SECONDS:-20}
command -v clang++ >/dev/null || { echo "run_csv_fuzz: clang++ is not installed (apt-get install clang; scripts/setup.sh installs it)"; exit 1; }
runtime=$(clang++ -print-runtime-dir)/libclang_rt.fuzzer-$(uname -m).a
[[ -f $runtime ]] || { echo "run_csv_fuzz: $runtime is missing (apt-get install libclang-rt-14-dev; scripts/setup.sh installs it)"; exit 1; }
out="$build_dir/fuzz"
mkdir -p "$out/corpus"
binary="$out/csv_fuzz"
sources=("$source_dir/tests/fuzz/csv_fuzz.cpp" "$source_dir/plugins/csv-summer/csv_summer.cpp"
         "$source_dir/plugins/csv-summer/decimal_sum.cpp")
if [[ ! -x $binary || -n $(find "${sources[@]}" "$source_dir/plugins/csv-summer" -newer "$binary" -name '*.[ch]pp' 2>/dev/null) ]]; then
  clang++ -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -I"$source_dir/plugins/csv-summer" "${sources[@]}" -o "$binary"
fi
printf '\x02\x01a,b\n1,2\n"x\n""y",3\r\n' > "$out/corpus/seed1"
printf '\x01\x00\xEF\xBB\xBF1;2.5e3;"";-.5\n' > "$out/corpus/seed2"
# Inputs that once failed must keep passing; then explore. Crash files go
# to the build tree, never the working directory.
"$binary" "$source_dir"/tests/fuzz/regressions/* 2>&1 | tail -2
"$binary" -max_total_time="$seconds" -max_len=4096 -print_final_stats=1 \
  -artifact_prefix="$out/" "$out/corpus" 2>&1 | tail -5
