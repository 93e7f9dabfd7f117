#!/usr/bin/env bash
# Sets up, builds and runs every test: unit, integration (real SQLite,
# PostgreSQL, Redis) and end-to-end (the real binary over HTTP). Starts a
# throwaway PostgreSQL and Redis on loopback and stops them on exit, also
# on failure. Extra arguments go to ctest (e.g. -L e2e, -R router).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh

work=$(mktemp -d)
source scripts/services.sh
cleanup() {
  stop_services
  rm -rf "$work"
}
trap cleanup EXIT

start_postgres "$work"
start_redis "$work"
echo "test: PostgreSQL at $ORCHESTRA_TEST_POSTGRES_URL"
echo "test: Redis at $ORCHESTRA_TEST_REDIS_URL"

ctest --test-dir "${ORCHESTRA_BUILD_DIR:-build}" --output-on-failure -j2 "$@"
