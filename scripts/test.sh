#!/usr/bin/env bash
# Sets up, builds and runs every test: unit, integration (real SQLite,
# PostgreSQL, Redis) and end-to-end (the real binary over HTTP). Starts a
# throwaway PostgreSQL and Redis on loopback and stops them on exit, also
# on failure or interruption. Extra arguments go to ctest (e.g. -L e2e,
# -R router). Exits with ctest's status.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
./scripts/setup.sh

# shellcheck source=scripts/services.sh
source scripts/services.sh
work=$(mktemp -d "${TMPDIR:-/tmp}/orchestra-test.XXXXXX")
# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
  stop_services
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

start_postgres "$work"
start_redis "$work"
start_s3 "$work"
echo "test: PostgreSQL at $ORCHESTRA_TEST_POSTGRES_URL"
echo "test: Redis at $ORCHESTRA_TEST_REDIS_URL"
echo "test: S3 (s3rver) at $ORCHESTRA_TEST_S3_ENDPOINT"

# The browser tests' driver and validators, pinned by their lockfile.
if [[ ! -d tests/browser/node_modules || tests/browser/package-lock.json -nt tests/browser/node_modules ]]; then
  (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  touch tests/browser/node_modules
fi

status=0
ctest --test-dir "${ORCHESTRA_BUILD_DIR:-build}" --output-on-failure -j2 "$@" || status=$?
exit "$status"
