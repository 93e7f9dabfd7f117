#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (address and undefined-behaviour
# sanitizers) and runs each: first every committed regression input, then
# fuzzing from its seed corpus for the given time.
#
#   scripts/fuzz.sh [--seconds N] [--build-dir DIR] [TARGET ...]
#
# Targets: csv expression cron json jwt config http (default: all), each
# tests/fuzz/<target>_fuzz.cpp with seeds in tests/fuzz/corpus/<target>/
# and past findings in tests/fuzz/regressions/<target>/. CTest runs each
# for 20 s; run longer by hand, e.g. --seconds 3600. The corpus grows in
# the build tree; crash inputs land there too (fuzz/<target>/crash-*):
# copy one into regressions/<target>/ with the fix it needed.
set -euo pipefail
source_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
seconds=60
build_dir="$source_dir/build"
targets=()
while (($#)); do
  case $1 in
    --seconds) seconds=${2:?--seconds needs a number}; shift 2 ;;
    --build-dir) build_dir=${2:?--build-dir needs a directory}; shift 2 ;;
    -h|--help) sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "fuzz: unknown option $1 (see --help)" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
[[ $seconds =~ ^[0-9]+$ ]] || { echo "fuzz: --seconds must be a whole number, got '$seconds'" >&2; exit 2; }
((${#targets[@]})) || targets=(csv expression cron json jwt config http)

command -v clang++ >/dev/null || { echo "fuzz: clang++ is not installed (scripts/setup.sh installs it)" >&2; exit 1; }
runtime=$(clang++ -print-runtime-dir)/libclang_rt.fuzzer-$(uname -m).a
[[ -f $runtime ]] || { echo "fuzz: $runtime is missing (scripts/setup.sh installs libclang-rt-14-dev)" >&2; exit 1; }

# One clang build tree for every target (tests/fuzz/CMakeLists.txt); CTest
# runs targets side by side, so builds take turns.
fuzz_build="$build_dir/fuzz/build"
build() {
  mkdir -p "$fuzz_build"
  (
    flock 9
    if [[ ! -f $fuzz_build/build.ninja ]]; then
      cmake -S "$source_dir/tests/fuzz" -B "$fuzz_build" -G Ninja -DCMAKE_CXX_COMPILER=clang++ \
        -DCMAKE_BUILD_TYPE=None >/dev/null
    fi
    ninja -C "$fuzz_build" -j2 "$1_fuzzer" >"$fuzz_build/$1.log" 2>&1 || {
      grep -E "error|undefined reference" "$fuzz_build/$1.log" | head -20; exit 1; }
  ) 9>"$build_dir/fuzz/build.lock"
}

status=0
known=" csv expression cron json jwt config http "
for target in "${targets[@]}"; do
  [[ $known == *" $target "* ]] || { echo "fuzz: unknown target '$target' (${known# })" >&2; status=1; continue; }
  out="$build_dir/fuzz/$target"
  mkdir -p "$out/corpus"
  build "$target" || { echo "fuzz: $target does not build"; status=1; continue; }
  fuzzer=$fuzz_build/${target}_fuzzer
  regressions=("$source_dir/tests/fuzz/regressions/$target"/*)
  if [[ -e ${regressions[0]} ]]; then
    "$fuzzer" "${regressions[@]}" >"$out/regressions.log" 2>&1 || {
      echo "fuzz: $target fails a committed regression input:"; tail -20 "$out/regressions.log"; status=1; continue; }
  fi
  if "$fuzzer" -max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=1024 \
      -print_final_stats=1 -artifact_prefix="$out/" "$out/corpus" "$source_dir/tests/fuzz/corpus/$target" \
      >"$out/fuzz.log" 2>&1; then
    echo "fuzz: $target ok: $(grep -o 'stat::number_of_executed_units: *[0-9]*' "$out/fuzz.log" | grep -o '[0-9]*$') runs in ${seconds} s"
  else
    echo "fuzz: $target FAILED (input in $out/crash-* or leak-*/timeout-*):"
    grep -E "ERROR|SUMMARY|expression|cron|==.*==" "$out/fuzz.log" | head -20
    status=1
  fi
done
exit "$status"
