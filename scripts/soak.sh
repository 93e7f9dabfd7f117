#!/usr/bin/env bash
# The chaos soak (docs/RELIABILITY.md): starts a throwaway PostgreSQL and a
# Redis with an append-only file on loopback, then runs build/bin/soak,
# which starts two api and three worker processes, drives a mixed workload
# through the REST API while it kills workers, an api process, Redis and
# PostgreSQL and pauses a worker, and prints one table. Stops everything on
# exit, also on failure or interruption; on failure keeps the processes'
# logs in build/soak-logs. Exits non-zero on any loss, wrong result or
# duplicate, or when a service cannot start.
#
#   scripts/soak.sh [--minutes N] [--backend redis|sql] [--seed S]
#
# Builds nothing: ./scripts/setup.sh (or `ninja -C build soak`) first.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
build=${ORCHESTRA_BUILD_DIR:-build}

minutes=2 backend=redis seed=()
while (($# > 0)); do
  case $1 in
    --minutes) minutes=${2:?--minutes needs a number}; shift 2 ;;
    --backend) backend=${2:?--backend needs redis or sql}; shift 2 ;;
    --seed) seed=(--seed "${2:?--seed needs a number}"); shift 2 ;;
    *) echo "usage: $0 [--minutes N] [--backend redis|sql] [--seed S]" >&2; exit 2 ;;
  esac
done
if [[ ! $minutes =~ ^[0-9]+([.][0-9]+)?$ || ! $backend =~ ^(redis|sql)$ ]]; then
  echo "usage: $0 [--minutes N] [--backend redis|sql] [--seed S]" >&2
  exit 2
fi
if [[ ! -x $build/bin/soak ]]; then
  echo "soak: $build/bin/soak is missing; run ./scripts/setup.sh (or ninja -C $build soak) first" >&2
  exit 1
fi

# Killed servers must keep what they acknowledged: Redis appends every write
# to its file before answering (fsync once a second is enough against a
# process kill), and a PostgreSQL commit waits for its WAL write.
export SERVICES_REDIS_APPENDONLY=yes SERVICES_REDIS_APPENDFSYNC=everysec
export SERVICES_PG_SYNCHRONOUS_COMMIT=on
# shellcheck source=scripts/services.sh
source scripts/services.sh
work=$(mktemp -d "${TMPDIR:-/tmp}/orchestra-soak.XXXXXX")
driver=''

# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
  local status=$? _
  # The driver leads its own process group: it and the orchestra processes
  # it started get TERM, then KILL for whatever is left after 10 s.
  if [[ -n $driver ]]; then
    kill -TERM -- "-$driver" 2>/dev/null || true
    for _ in {1..100}; do
      kill -0 "$driver" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL -- "-$driver" 2>/dev/null || true
  fi
  stop_services
  if ((status != 0)) && [[ -d $work/logs ]]; then
    rm -rf "$build/soak-logs"
    cp -r "$work/logs" "$build/soak-logs" && echo "soak: process logs kept in $build/soak-logs" >&2
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

start_postgres "$work" || { echo "soak: PostgreSQL could not start" >&2; exit 1; }
start_redis "$work" || { echo "soak: Redis could not start" >&2; exit 1; }
mkdir -p "$work/tmp" "$work/logs"

# setsid: the driver's own process group, which cleanup can end as a whole.
TMPDIR=$work/tmp setsid "$build/bin/soak" --minutes "$minutes" --backend "$backend" "${seed[@]}" \
  --database-url "$ORCHESTRA_TEST_POSTGRES_URL" --redis-url "$ORCHESTRA_TEST_REDIS_URL" \
  --services "$work" --log-dir "$work/logs" &
driver=$!
status=0
wait "$driver" || status=$?
driver=''
exit "$status"
