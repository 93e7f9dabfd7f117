#!/usr/bin/env bash
# Installs the Debian packages Orchestra needs (only those missing) and
# builds it. Idempotent: a second run installs nothing and rebuilds only
# what changed.
#
#   ORCHESTRA_BUILD_DIR  build directory (default: build)
#   ORCHESTRA_JOBS       parallel compile jobs (default: 2)
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential cmake ninja-build ccache pkg-config
  libboost1.81-dev libboost-program-options1.81-dev
  libsoci-dev libhiredis-dev rapidjson-dev libfmt-dev libspdlog-dev libyaml-cpp-dev
  libsodium-dev libcurl4-openssl-dev doctest-dev libpq-dev libsqlite3-dev sqlite3
  redis-server postgresql wrk curl ca-certificates
)

say() { echo "setup: $*"; }

installed() {
  [[ $(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) == "install ok installed" ]]
}

if installed libboost1.74-dev; then
  say "libboost1.74-dev is installed and conflicts with libboost1.81-dev; remove it (apt-get remove libboost1.74-dev) and run again" >&2
  exit 1
fi

missing=()
for package in "${packages[@]}"; do
  installed "$package" || missing+=("$package")
done

if ((${#missing[@]})); then
  sudo=()
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || { say "need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
    sudo=(sudo)
  fi
  say "installing ${missing[*]}"
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  say "all packages present"
fi

build=${ORCHESTRA_BUILD_DIR:-build}
if [[ ! -f $build/build.ninja ]]; then
  say "configuring $build"
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
fi
say "building in $build"
cmake --build "$build" -j "${ORCHESTRA_JOBS:-2}"
