#!/usr/bin/env bash
# HTTP benchmark: wrk against GET /healthz and the echo plugin's small JSON
# route, 64 connections, on this machine. Prints requests/s and p99 per
# route, with the access log on (the default) and off.
#
#   ./scripts/bench.sh [duration, default 10s]
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10s}
build=${ORCHESTRA_BUILD_DIR:-build}
./scripts/setup.sh >/dev/null
command -v wrk >/dev/null || { echo "bench: wrk is not installed (apt-get install wrk)"; exit 1; }

work=$(mktemp -d)
pid=
cleanup() {
  [[ -n $pid ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

run_case() {  # access_log
  local access=$1
  cat >"$work/bench.yaml" <<YAML
server:
  listen: 127.0.0.1:0
  threads: 2
database:
  url: sqlite:///$work/bench.db
  migrations_dir: $PWD/sql
log:
  level: info
  access: $access
plugins:
  dir: $PWD/$build/tests/plugins
  enabled: [echo]
YAML
  "$build/bin/orchestra" --config "$work/bench.yaml" >"$work/server.log" 2>&1 &
  pid=$!
  local port=
  for _ in $(seq 100); do
    port=$(grep -oE 'listening on http://127.0.0.1:[0-9]+' "$work/server.log" | grep -oE '[0-9]+$' || true)
    [[ -n $port ]] && break
    sleep 0.1
  done
  [[ -n $port ]] || { echo "bench: server did not start"; cat "$work/server.log"; exit 1; }
  for route in /healthz /api/v1/echo/hello; do
    wrk -t1 -c64 -d2s "http://127.0.0.1:$port$route" >/dev/null  # warm-up
    local out
    out=$(wrk -t1 -c64 -d"$duration" --latency "http://127.0.0.1:$port$route")
    local rps p99
    rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
    p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
    printf '%-22s access_log=%-5s %12s req/s   p99 %s\n' "$route" "$access" "$rps" "$p99"
  done
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
  : >"$work/server.log"
}

echo "wrk -t1 -c64 -d$duration, server.threads=2, $(nproc) cores"
run_case true
run_case false
