#!/usr/bin/env bash
# Installs the Debian packages Orchestra needs (only those missing) and
# builds it. Idempotent: a second run installs nothing and rebuilds only
# what changed. Works from any directory, as root or through sudo.
#
#   ORCHESTRA_BUILD_DIR  build directory (default: build under the repo root)
#   ORCHESTRA_JOBS       parallel compile jobs (default: 2)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

packages=(
  build-essential cmake ninja-build ccache pkg-config
  libboost1.81-dev libboost-program-options1.81-dev
  libsoci-dev libhiredis-dev rapidjson-dev libfmt-dev libspdlog-dev libyaml-cpp-dev
  libsodium-dev libcurl4-openssl-dev doctest-dev libpq-dev libsqlite3-dev
  libhowardhinnant-date-dev tzdata
  redis-server postgresql wrk curl ca-certificates
  # The console's browser tests drive Debian's chromium.
  chromium
  # The fuzz targets: clang and its sanitizer/libFuzzer runtime, which
  # --no-install-recommends would otherwise leave out.
  clang libclang-rt-14-dev
)

say() { echo "setup: $*"; }
die() { echo "setup: $*" >&2; exit 1; }

# "install ok installed" (or "hold ok installed"); anything else, including
# "deinstall ok config-files" and unknown packages, counts as missing.
installed() {
  local status
  status=$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) || return 1
  [[ $status == *" ok installed" ]]
}

command -v dpkg-query >/dev/null || die "dpkg-query not found: this script needs Debian 12 (or a derivative)"

if installed libboost1.74-dev; then
  die "libboost1.74-dev is installed and conflicts with libboost1.81-dev; remove it (apt-get remove libboost1.74-dev) and run again"
fi

# The tests' S3 server and the BullMQ baseline run on Node.js; a node
# installed some other way (nodesource, nvm) is used as it is.
command -v node >/dev/null && command -v npm >/dev/null || packages+=(nodejs npm)

missing=()
for package in "${packages[@]}"; do
  installed "$package" || missing+=("$package")
done

if ((${#missing[@]})); then
  as_root=()
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || die "not root and no sudo: install as root: apt-get install ${missing[*]}"
    as_root=(sudo)
  fi
  say "installing ${missing[*]}"
  "${as_root[@]}" apt-get update -qq
  # Through env: sudo drops DEBIAN_FRONTEND from the environment by default.
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  say "all packages present"
fi

build=${ORCHESTRA_BUILD_DIR:-build}
if [[ ! -f $build/build.ninja ]]; then
  say "configuring $build"
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
fi
say "building in $build (${ORCHESTRA_JOBS:-2} jobs)"
cmake --build "$build" -j "${ORCHESTRA_JOBS:-2}"
say "done"
