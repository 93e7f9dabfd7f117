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

core=core/src
# The sources each target is built from, besides its own, and its libraries.
sources_of() {
  case $1 in
    csv) echo plugins/csv-summer/csv_summer.cpp plugins/csv-summer/decimal_sum.cpp ;;
    expression) echo plugins/calculator/parser.cpp plugins/calculator/graph.cpp ;;
    cron) echo $core/tasks/cron.cpp ;;
    json) echo $core/json/object_reader.cpp $core/json/string_array.cpp $core/json/rfc3339.cpp $core/http/types.cpp \
          $core/log/logging.cpp ;;
    jwt) echo $core/auth/jwt.cpp $core/auth/encoding.cpp $core/auth/scopes.cpp $core/json/object_reader.cpp \
         $core/json/string_array.cpp $core/json/rfc3339.cpp $core/http/types.cpp $core/http/access_gate.cpp \
         $core/log/logging.cpp ;;
    config) echo $core/config/loader.cpp $core/config/document.cpp $core/config/section.cpp \
            $core/config/duration.cpp $core/config/core_config.cpp $core/auth/scopes.cpp $core/db/url.cpp \
            $core/http/client_address.cpp $core/http/url.cpp $core/http_client/client_config.cpp ;;
    http) echo $core/http/framing.cpp $core/http/router.cpp $core/http/url.cpp $core/http/types.cpp \
          $core/http/route_schemas.cpp $core/metrics/registry.cpp $core/log/logging.cpp ;;
    *) echo "fuzz: unknown target '$1' (csv expression cron json jwt config http)" >&2; return 1 ;;
  esac
}
libraries_of() {
  case $1 in
    json|jwt) echo -lfmt -lspdlog -lsodium ;;
    config|cron|http) echo -lfmt -lspdlog -lyaml-cpp ;;
    *) ;;
  esac
}

build() {
  local target=$1 out=$2 binary=$2/fuzzer
  local own=tests/fuzz/${target}_fuzz.cpp sources libraries
  sources=$(sources_of "$target") || return 1
  libraries=$(libraries_of "$target")
  # shellcheck disable=SC2086  # word lists on purpose
  if [[ ! -x $binary || -n $(cd "$source_dir" && find $own $sources scripts/fuzz.sh core/include $core/*/*.hpp plugins/*/*.hpp \
        -newer "$binary" \( -name '*.[ch]pp' -o -name fuzz.sh \) 2>/dev/null | head -1) ]]; then
    echo "fuzz: building $target"
    # pointer-overflow is off: RapidJSON's stack adds to its null pointer
    # before its first allocation (rapidjson/internal/stack.h), in every
    # parse, which would stop the JSON targets at their first input.
    # shellcheck disable=SC2086
    (cd "$source_dir" && clang++ -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined \
      -fno-sanitize=pointer-overflow -fno-sanitize-recover=undefined -Wno-ambiguous-reversed-operator \
      -DORCHESTRA_VERSION='"fuzz"' -Icore/include -I$core \
      -Iplugins/calculator -Iplugins/csv-summer $own $sources $libraries -o "$binary")
  fi
}

status=0
for target in "${targets[@]}"; do
  out="$build_dir/fuzz/$target"
  mkdir -p "$out/corpus"
  build "$target" "$out" || { status=1; continue; }
  regressions=("$source_dir/tests/fuzz/regressions/$target"/*)
  if [[ -e ${regressions[0]} ]]; then
    "$out/fuzzer" "${regressions[@]}" >"$out/regressions.log" 2>&1 || {
      echo "fuzz: $target fails a committed regression input:"; tail -20 "$out/regressions.log"; status=1; continue; }
  fi
  if "$out/fuzzer" -max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=1024 \
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
