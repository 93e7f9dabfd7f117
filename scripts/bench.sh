#!/usr/bin/env bash
# Benchmarks on this machine, printing figures for docs/BENCHMARKS.md.
#
#   ./scripts/bench.sh [http|tasks|calculator|csv|steam|waiting|notifications|search|all] [duration for http, default 10s]
#   ./scripts/bench.sh peers [peers.py options, e.g. --rounds 3 --only http,tasks]
#
# peers: Orchestra and its peers on the same work, interleaved in one run
#        (tests/bench/peers/peers.py): a small JSON GET against nginx,
#        fastify and FastAPI + uvicorn; no-op tasks on one Redis against
#        BullMQ and Celery (and Redis CPU per task); no-op tasks on SQLite
#        and PostgreSQL; the standard CSV against wc -l, mawk and pandas;
#        the all-in-one's idle memory and start-up. Installs the peers
#        (Debian packages, npm ci) first. Prints a table of medians of three
#        rounds (min-max) and ratios taken within each round.
# http:  wrk against GET /healthz and the echo plugin's small JSON route,
#        64 connections; requests/s and p99, access log on and off, with 1
#        and 2 reactor threads.
# tasks: tests/bench/task_throughput.cpp on SQLite and on a throwaway
#        PostgreSQL and Redis: 100,000 no-op tasks enqueued in batches of 1,000, one
#        worker; enqueue and end-to-end tasks/s, idle latency, peak memory.
# calculator: tests/bench/calculator_bench.cpp through the real binary:
#        submit-to-result overhead, parallel efficiency, throughput.
# waiting: tests/bench/waiting_bench.cpp: an 8-operand sum against its
#        critical path, idle and with steam-sync fetches waiting on a rate
#        limit; a small CSV sum meanwhile; RSS and threads with 10,000
#        operations waiting.
# notifications: tests/bench/notifications_bench.cpp, all-in-one on SQLite:
#        score change to the last of 1,000 SSE streams (p50/p99, vs one
#        stream), digests/min for 100,000 users, webhook deliveries/s; peak
#        RSS of each run.
# search: tests/bench/search_bench.cpp, all-in-one on SQLite: 100,000 app
#        documents through the feed and the pipeline (vs a bare FTS5 insert),
#        a query mix with wrk -c64, freshness; peak RSS.
# steam: tests/bench/steam_bench.cpp against the fake Steam: apps/s with no
#        rate limit (vs one sequential libcurl client), requests per window
#        vs the budget with one.
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-all}
duration=${2:-10s}
build=${ORCHESTRA_BUILD_DIR:-build}
./scripts/setup.sh >/dev/null
command -v wrk >/dev/null || { echo "bench: wrk is not installed (apt-get install wrk)"; exit 1; }

work=$(mktemp -d)
pid=
cleanup() {
  [[ -n $pid ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  declare -F stop_services >/dev/null && stop_services
  rm -rf "$work"
}
trap cleanup EXIT

run_case() {  # access_log threads
  local access=$1 threads=$2
  cat >"$work/bench.yaml" <<YAML
server:
  listen: 127.0.0.1:0
  threads: $threads
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
  # A real user's access token, for the route that checks one.
  local base="http://127.0.0.1:$port/api/v1/auth"
  curl -sf "$base/register" -d '{"login":"bench","password":"bench-password"}' >/dev/null || true
  local token
  token=$(curl -sf "$base/login" -d '{"login":"bench","password":"bench-password"}' |
          sed 's/.*"access_token":"\([^"]*\)".*/\1/')
  for route in /healthz /api/v1/echo/hello /api/v1/echo/whoami; do
    local auth=()
    [[ $route == */whoami ]] && auth=(-H "Authorization: Bearer $token")
    wrk -t1 -c64 -d2s "${auth[@]}" "http://127.0.0.1:$port$route" >/dev/null  # warm-up
    local out
    out=$(wrk -t1 -c64 -d"$duration" --latency "${auth[@]}" "http://127.0.0.1:$port$route")
    local rps p99
    rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
    p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
    printf '%-22s threads=%s access_log=%-5s %12s req/s   p99 %s\n' "$route" "$threads" "$access" "$rps" "$p99"
  done
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
  : >"$work/server.log"
}

bench_http() {
  echo "== http: wrk -t1 -c64 -d$duration on $(nproc) cores (wrk shares them)"
  for threads in 1 2; do
    run_case true "$threads"
    run_case false "$threads"
  done
}

bench_tasks() {
  source scripts/services.sh
  start_postgres "$work"
  start_redis "$work"
  echo "== tasks: 100000 no-op tasks, batches of 1000, one worker (2 handler threads)"
  local redis_rate=
  for backend in sqlite postgres redis; do
    local out
    out=$("$build/bin/bench_tasks" --backend "$backend" 2>/dev/null)
    echo "$out"
    [[ $backend == redis ]] && redis_rate=$(awk '/end-to-end/ {print $2}' <<<"$out")
  done
  bench_bullmq "$redis_rate"
  stop_services
}

# BullMQ on the same Redis, from the npm registry, as the baseline.
bench_bullmq() {
  local ours=$1
  if ! command -v npm >/dev/null; then
    echo "bullmq baseline skipped: npm is not installed"
    return
  fi
  (cd tests/bench/peers && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  local out
  out=$(node tests/bench/peers/bullmq_bench.js "$ORCHESTRA_TEST_REDIS_URL" 100000 1000 2)
  echo "$out"
  local theirs
  theirs=$(awk '/end-to-end/ {print $2}' <<<"$out")
  awk -v a="$ours" -v b="$theirs" 'BEGIN { printf "  redis backend / bullmq end-to-end: %.2fx\n", a / b }'
}

bench_csv() {
  source scripts/services.sh
  start_s3 "$work"
  echo "== csv-summer: the standard file (3,000,000 rows x 30 columns), tests/bench/csv_bench.cpp"
  "$build/bin/bench_csv" 2>/dev/null
  stop_services
}

bench_calculator() {
  source scripts/services.sh
  start_redis "$work"
  echo "== calculator: overhead, parallel efficiency, throughput (tests/bench/calculator_bench.cpp)"
  "$build/bin/bench_calculator" 2>/dev/null
  stop_services
}

bench_waiting() {
  echo "== waiting tasks: critical path under contention, 10,000 waiting (tests/bench/waiting_bench.cpp)"
  "$build/bin/bench_waiting" 2>/dev/null
}

bench_notifications() {
  echo "== notifications: live streams, digests, webhooks (tests/bench/notifications_bench.cpp)"
  "$build/bin/bench_notifications" 2>/dev/null
}

bench_search() {
  echo "== search: indexing, queries, freshness, reindex (tests/bench/search_bench.cpp)"
  "$build/bin/bench_search" 2>/dev/null
}

bench_steam() {
  echo "== steam-sync: throughput and rate-limit use (tests/bench/steam_bench.cpp)"
  "$build/bin/bench_steam" 2>/dev/null
}

install_peers() {
  local missing=()
  for package in nginx-light python3-fastapi python3-uvicorn python3-uvloop python3-httptools \
                 python3-celery python3-redis python3-pandas mawk; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" || missing+=("$package")
  done
  if ((${#missing[@]})); then
    echo "bench: installing the peers: ${missing[*]}"
    ((EUID == 0)) || { echo "bench: installing them needs root (apt-get)"; exit 1; }
    apt-get update -q >/dev/null
    apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
  fi
  command -v npm >/dev/null || { echo "bench: npm is needed for the fastify and BullMQ peers"; exit 1; }
  (cd tests/bench/peers && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
}

bench_peers() {
  install_peers
  source scripts/services.sh
  start_postgres "$work"
  start_redis "$work"
  /usr/bin/python3 tests/bench/peers/peers.py --build "$build" --work "$work" "$@"
  stop_services
}

case $what in
  peers) shift; bench_peers "$@" ;;
  http) bench_http ;;
  tasks) bench_tasks ;;
  calculator) bench_calculator ;;
  csv) bench_csv ;;
  steam) bench_steam ;;
  waiting) bench_waiting ;;
  notifications) bench_notifications ;;
  search) bench_search ;;
  all) bench_http; bench_tasks; bench_calculator; bench_csv; bench_steam; bench_waiting; bench_notifications; bench_search ;;
  *) echo "bench: unknown benchmark '$what' (peers, http, tasks, calculator, csv, steam, waiting, notifications, search or all)"; exit 2 ;;
esac
