# Throwaway PostgreSQL and Redis servers for tests and benchmarks, on
# loopback, on free ports, in a directory of the caller's. Source this file,
# then: start_postgres DIR; start_redis DIR; ...; stop_services.
# They export ORCHESTRA_TEST_POSTGRES_URL and ORCHESTRA_TEST_REDIS_URL.

_services_pg_data=
_services_pg_user=
_services_redis_pidfile=

free_port() {
  local port
  for _ in $(seq 200); do
    port=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  echo "services: no free port found" >&2
  return 1
}

_pg_bin() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
  [[ -n $dir ]] || { echo "services: PostgreSQL binaries not found (apt-get install postgresql)" >&2; return 1; }
  echo "$dir"
}

_as_pg_user() {
  if [[ -n $_services_pg_user ]]; then
    runuser -u "$_services_pg_user" -- "$@"
  else
    "$@"
  fi
}

start_postgres() {
  local dir=$1 bin port
  bin=$(_pg_bin) || return 1
  port=$(free_port) || return 1
  mkdir -p "$dir/pg"
  chmod 755 "$dir"
  # PostgreSQL refuses to run as root.
  if [[ $(id -u) -eq 0 ]]; then
    _services_pg_user=postgres
    chown -R postgres "$dir/pg"
  fi
  _services_pg_data=$dir/pg/data
  # --no-locale: the environment may name a locale this machine lacks.
  _as_pg_user "$bin/initdb" -D "$_services_pg_data" -A trust -U postgres --no-locale -E UTF8 \
    >"$dir/pg/initdb.log" 2>&1 ||
    { echo "services: initdb failed:" >&2; tail -n 20 "$dir/pg/initdb.log" >&2; return 1; }
  if ! _as_pg_user "$bin/pg_ctl" -D "$_services_pg_data" -l "$dir/pg/server.log" -w -t 30 \
      -o "-p $port -k $dir/pg -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
      start >/dev/null; then
    echo "services: PostgreSQL did not start:" >&2
    tail -n 20 "$dir/pg/server.log" >&2
    return 1
  fi
  _as_pg_user "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres orchestra_test ||
    { echo "services: createdb failed" >&2; return 1; }
  export ORCHESTRA_TEST_POSTGRES_URL="postgresql://postgres@127.0.0.1:$port/orchestra_test"
}

start_redis() {
  local dir=$1 port
  command -v redis-server >/dev/null || { echo "services: redis-server not found (apt-get install redis-server)" >&2; return 1; }
  port=$(free_port) || return 1
  mkdir -p "$dir/redis"
  _services_redis_pidfile=$dir/redis/redis.pid
  redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$dir/redis" \
    --daemonize yes --pidfile "$_services_redis_pidfile" --logfile "$dir/redis/redis.log" >/dev/null
  for _ in $(seq 100); do
    if [[ $(redis-cli -p "$port" ping 2>/dev/null) == PONG ]]; then
      export ORCHESTRA_TEST_REDIS_URL="redis://127.0.0.1:$port/0"
      return 0
    fi
    sleep 0.1
  done
  echo "services: Redis did not answer on port $port:" >&2
  tail -n 20 "$dir/redis/redis.log" >&2
  return 1
}

stop_services() {
  if [[ -n $_services_pg_data && -f $_services_pg_data/postmaster.pid ]]; then
    local bin
    bin=$(_pg_bin) && _as_pg_user "$bin/pg_ctl" -D "$_services_pg_data" -m fast -w stop >/dev/null 2>&1 ||
      kill "$(head -n1 "$_services_pg_data/postmaster.pid")" 2>/dev/null || true
  fi
  if [[ -n $_services_redis_pidfile && -f $_services_redis_pidfile ]]; then
    local pid
    pid=$(cat "$_services_redis_pidfile")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  _services_pg_data=
  _services_redis_pidfile=
}
