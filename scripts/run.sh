#!/usr/bin/env bash
# Sets up, builds and starts the all-in-one server on the embedded default
# (SQLite under var/, http://127.0.0.1:8080). Extra arguments go to
# orchestra.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
./scripts/setup.sh
mkdir -p var/blobs
exec "${ORCHESTRA_BUILD_DIR:-build}/bin/orchestra" --role all --config config/orchestra.yaml "$@"
