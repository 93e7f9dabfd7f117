# shellcheck shell=bash
# Throwaway PostgreSQL and Redis servers for tests and benchmarks, on
# loopback, on free ports, in a directory of the caller's. Source this file,
# then:
#
#   start_postgres DIR   # cluster in DIR/pg, socket in DIR/pgsock, log DIR/pg.log
#   start_redis DIR      # DIR/redis.pid, DIR/redis.log
#   ...
#   stop_services        # stops what these started, and nothing else
#
#   crash_restart_postgres DIR [DOWN]   # SIGKILL, DOWN seconds (1), start again:
#   crash_restart_redis DIR [DOWN]      # same port, same data; for chaos tests
#
# Durability, for callers that kill servers and count what survives (the
# defaults suit tests that never do):
#   SERVICES_PG_SYNCHRONOUS_COMMIT=on   a commit is acknowledged only once its
#                                       WAL is written (default off); fsync
#                                       stays off, as a killed process leaves
#                                       the OS's page cache intact
#   SERVICES_REDIS_APPENDONLY=yes       Redis keeps an append-only file (default no)
#   SERVICES_REDIS_APPENDFSYNC=POLICY   its fsync policy (default everysec)
# Both crash_restart_* also work run as a command from another program:
#   scripts/services.sh crash_restart_redis DIR
#
# They export ORCHESTRA_TEST_POSTGRES_URL
# (postgresql://postgres@127.0.0.1:PORT/orchestra_test) and
# ORCHESTRA_TEST_REDIS_URL (redis://127.0.0.1:PORT/0). Every wait is
# bounded; every failure prints one line (plus the service log's tail) on
# stderr and returns non-zero. Safe with or without `set -euo pipefail` in
# the caller. PostgreSQL refuses to run as root: as root, the cluster
# belongs to and runs as the `postgres` user.

# State of what this shell started; kept if the file is sourced again.
: "${_services_pg_data:=}" "${_services_pg_pid:=}" "${_services_pg_user:=}"
: "${_services_redis_pid:=}" "${_services_redis_pidfile:=}" "${_services_redis_port:=}"

_services_fail() { echo "services: $*" >&2; }

# The last lines of LOG from byte FROM on (default: the whole file), indented.
_services_tail() {
  [[ -f $1 ]] || return 0
  tail -c "+$((${2:-0} + 1))" "$1" 2>/dev/null | tail -n 20 | sed 's/^/  | /' >&2
}

_services_size() { if [[ -f $1 ]]; then wc -c <"$1"; else echo 0; fi; }

# True if something on this machine uses TCP port $1 locally: any socket
# with that local port (listening or connected), or anything accepting on
# 127.0.0.1.
_services_port_in_use() {
  if command -v ss >/dev/null 2>&1 && [[ -n $(ss -Htan "sport = :$1" 2>/dev/null) ]]; then
    return 0
  fi
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Prints a free TCP port in 20000-60000 on 127.0.0.1.
free_port() {
  local port _
  for _ in {1..200}; do
    port=$(((RANDOM << 15 | RANDOM) % 40001 + 20000))
    if ! _services_port_in_use "$port"; then
      echo "$port"
      return 0
    fi
  done
  _services_fail "no free TCP port found in 20000-60000 after 200 tries"
  return 1
}

# True if PID $1 is alive and its command line contains $2 (so a recycled
# PID belonging to someone else is never signalled).
_services_is_ours() {
  local pid=$1 mark=$2 cmdline
  [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
  [[ -r /proc/$pid/cmdline ]] || return 0  # no /proc: trust the PID
  cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
  [[ $cmdline == *"$mark"* ]]
}

# Waits up to $2 tenths of a second for PID $1 to exit.
_services_wait_gone() {
  local i
  for ((i = 0; i < $2; i++)); do
    kill -0 "$1" 2>/dev/null || return 0
    sleep 0.1
  done
  ! kill -0 "$1" 2>/dev/null
}

# Stops PID $1 (if its command line still contains $2): TERM, then KILL.
_services_kill() {
  _services_is_ours "$1" "$2" || return 0
  kill -TERM "$1" 2>/dev/null
  _services_wait_gone "$1" 100 && return 0
  _services_is_ours "$1" "$2" && kill -KILL "$1" 2>/dev/null
  _services_wait_gone "$1" 50
}

# The newest PostgreSQL server's bin directory.
_services_pg_bin() {
  local dir found=()
  for dir in /usr/lib/postgresql/*/bin; do
    [[ -x $dir/initdb && -x $dir/pg_ctl && -x $dir/psql ]] && found+=("$dir")
  done
  if ((${#found[@]} == 0)); then
    _services_fail "PostgreSQL server binaries not found under /usr/lib/postgresql (apt-get install postgresql)"
    return 1
  fi
  printf '%s\n' "${found[@]}" | sort -V | tail -n 1
}

# Runs a command as the cluster's owner, from / (the caller's working
# directory may be closed to that user).
_services_as_pg() {
  (
    cd / || exit 1
    if [[ -n $_services_pg_user ]]; then
      exec runuser -u "$_services_pg_user" -- "$@"
    else
      exec "$@"
    fi
  )
}

# Sets _services_pg_user: as root, the cluster belongs to `postgres`.
_services_pg_owner() {
  _services_pg_user=
  if [[ $(id -u) -eq 0 ]]; then
    if ! id -u postgres >/dev/null 2>&1; then
      _services_fail "running as root and there is no 'postgres' user to run PostgreSQL as"
      return 1
    fi
    _services_pg_user=postgres
  fi
}

# pg_ctl's -o for a server on 127.0.0.1:$1 with its socket in $2.
_services_pg_options() {
  echo "-p $1 -k '$2' -c listen_addresses=127.0.0.1 -c logging_collector=off -c fsync=off" \
    "-c synchronous_commit=${SERVICES_PG_SYNCHRONOUS_COMMIT:-off} -c full_page_writes=off"
}

start_postgres() {
  if [[ $# -ne 1 || -z $1 ]]; then
    _services_fail "usage: start_postgres DIR"
    return 2
  fi
  if [[ -n $_services_pg_data ]]; then
    _services_fail "PostgreSQL already started by this shell in $_services_pg_data; call stop_services first"
    return 1
  fi
  local dir bin pgdata sock log port attempt from pid='' exists
  if ! mkdir -p "$1" || ! dir=$(cd "$1" && pwd); then
    _services_fail "cannot use directory $1"
    return 1
  fi
  bin=$(_services_pg_bin) || return 1
  pgdata=$dir/pg sock=$dir/pgsock log=$dir/pg.log
  # The socket path (plus /.s.PGSQL.NNNNN) must fit in sun_path (107 bytes).
  if ((${#sock} > 90)); then
    _services_fail "directory path too long for a PostgreSQL socket ($sock); use a shorter TMPDIR"
    return 1
  fi

  _services_pg_owner || return 1
  if ! mkdir -p "$pgdata" "$sock" || ! touch "$log" || ! chmod 755 "$dir" || ! chmod 700 "$pgdata"; then
    _services_fail "cannot prepare $pgdata, $sock and $log"
    return 1
  fi
  if [[ -n $_services_pg_user ]]; then
    if ! chown -R "$_services_pg_user:" "$pgdata" "$sock" "$log"; then
      _services_fail "cannot give $pgdata to user $_services_pg_user"
      return 1
    fi
    if ! _services_as_pg test -x "$dir" -a -w "$sock" -a -w "$log"; then
      _services_fail "user $_services_pg_user cannot reach $dir (every parent directory must be traversable, e.g. chmod o+x)"
      return 1
    fi
  fi

  if [[ ! -f $pgdata/PG_VERSION ]]; then
    # C.UTF-8 (built into Debian 12's glibc), not the environment's locale,
    # which this machine may lack: byte-order collation, and case folding
    # that knows Unicode (full-text search lower-cases Cyrillic with it).
    from=$(_services_size "$log")
    if ! _services_as_pg "$bin/initdb" -D "$pgdata" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync \
        >>"$log" 2>&1; then
      _services_fail "initdb failed in $pgdata; see $log:"
      _services_tail "$log" "$from"
      return 1
    fi
  fi

  for attempt in 1 2 3; do
    port=$(free_port) || return 1
    from=$(_services_size "$log")
    if _services_as_pg "$bin/pg_ctl" -D "$pgdata" -l "$log" -w -t 30 \
        -o "$(_services_pg_options "$port" "$sock")" start >/dev/null 2>&1; then
      break
    fi
    # Still starting (or stuck): remember it, so stop_services stops it.
    if [[ -f $pgdata/postmaster.pid ]]; then
      _services_pg_data=$pgdata
      _services_pg_pid=$(head -n 1 "$pgdata/postmaster.pid" 2>/dev/null)
    fi
    # Someone took the port between free_port and bind: try another.
    if ((attempt < 3)) && [[ -z $_services_pg_data ]] &&
        tail -c "+$((from + 1))" "$log" | grep -q 'could not bind\|Address already in use'; then
      continue
    fi
    _services_fail "PostgreSQL did not start on 127.0.0.1:$port (attempt $attempt); see $log:"
    _services_tail "$log" "$from"
    return 1
  done

  pid=$(head -n 1 "$pgdata/postmaster.pid" 2>/dev/null)
  _services_pg_data=$pgdata
  _services_pg_pid=$pid
  if [[ ! $pid =~ ^[0-9]+$ ]]; then
    _services_fail "PostgreSQL started but $pgdata/postmaster.pid names no PID"
    return 1
  fi

  if ! exists=$(_services_as_pg env PGCONNECT_TIMEOUT=10 "$bin/psql" -X -q -t -A -h 127.0.0.1 -p "$port" \
      -U postgres -d postgres -c "select 1 from pg_database where datname = 'orchestra_test'" 2>&1); then
    _services_fail "cannot connect to PostgreSQL on 127.0.0.1:$port: $exists"
    _services_tail "$log"
    return 1
  fi
  if [[ $exists != 1 ]] && ! _services_as_pg env PGCONNECT_TIMEOUT=10 "$bin/createdb" -h 127.0.0.1 -p "$port" \
      -U postgres orchestra_test; then
    _services_fail "createdb orchestra_test failed on 127.0.0.1:$port"
    _services_tail "$log"
    return 1
  fi
  export ORCHESTRA_TEST_POSTGRES_URL="postgresql://postgres@127.0.0.1:$port/orchestra_test"
}

# The configuration of a Redis in directory $1 on 127.0.0.1:$2; kept in
# DIR/redis.conf so crash_restart_redis starts it again the same way.
_services_redis_conf() {
  local dir=$1
  cat <<CONF
port $2
bind 127.0.0.1
save ""
appendonly ${SERVICES_REDIS_APPENDONLY:-no}
appendfsync ${SERVICES_REDIS_APPENDFSYNC:-everysec}
dir "$dir"
daemonize yes
pidfile "$dir/redis.pid"
logfile "$dir/redis.log"
CONF
}

start_redis() {
  if [[ $# -ne 1 || -z $1 ]]; then
    _services_fail "usage: start_redis DIR"
    return 2
  fi
  if [[ -n $_services_redis_pidfile ]]; then
    _services_fail "Redis already started by this shell ($_services_redis_pidfile); call stop_services first"
    return 1
  fi
  local dir log pidfile port attempt from pid out _
  if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
    _services_fail "redis-server or redis-cli not found (apt-get install redis-server)"
    return 1
  fi
  if ! mkdir -p "$1" || ! dir=$(cd "$1" && pwd); then
    _services_fail "cannot use directory $1"
    return 1
  fi
  log=$dir/redis.log pidfile=$dir/redis.pid

  for attempt in 1 2 3; do
    port=$(free_port) || return 1
    from=$(_services_size "$log")
    rm -f "$pidfile"
    _services_redis_conf "$dir" "$port" >"$dir/redis.conf" || return 1
    # Redis writes its pidfile only once it is listening.
    if ! out=$(redis-server "$dir/redis.conf" 2>&1); then
      _services_fail "redis-server refused to start:"
      printf '  | %s\n' "$out" >&2
      return 1
    fi
    _services_redis_pidfile=$pidfile
    _services_redis_port=$port
    pid=
    for _ in {1..100}; do  # 10 s
      if [[ -z $pid && -s $pidfile ]]; then
        pid=$(<"$pidfile")
        _services_redis_pid=$pid
      fi
      if [[ -n $pid ]] && [[ $(timeout 2 redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null) == PONG ]]; then
        export ORCHESTRA_TEST_REDIS_URL="redis://127.0.0.1:$port/0"
        return 0
      fi
      # The daemon exited (before writing its pidfile, or after).
      if tail -c "+$((from + 1))" "$log" | grep -q 'Address already in use\|Could not create server TCP'; then
        break
      fi
      sleep 0.1
    done
    if [[ -z $pid ]]; then
      # Nothing of ours is running: forget it.
      _services_redis_pidfile='' _services_redis_port=''
      if tail -c "+$((from + 1))" "$log" | grep -q 'Address already in use'; then
        ((attempt < 3)) && continue  # someone took the port between free_port and bind
        _services_fail "Redis could not listen on 127.0.0.1:$port (3 tries); see $log:"
        _services_tail "$log" "$from"
        return 1
      fi
    fi
    _services_fail "Redis did not answer PING on 127.0.0.1:$port within 10 s; see $log:"
    _services_tail "$log" "$from"
    return 1
  done
}

# An S3-compatible server (s3rver, from the npm registry) on a free
# loopback port with DIR as its storage and bucket "orchestra-test";
# exports ORCHESTRA_TEST_S3_ENDPOINT. Needs node and npm.
start_s3() {
  if [[ $# -ne 1 || -z $1 ]]; then
    _services_fail "usage: start_s3 DIR"
    return 2
  fi
  local dir port attempt here log
  here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../tests/s3" && pwd)
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    _services_fail "node and npm not found (apt-get install nodejs npm)"
    return 1
  fi
  if [[ ! -x $here/node_modules/.bin/s3rver ]] &&
     ! (cd "$here" && npm install --no-audit --no-fund --loglevel=error >/dev/null); then
    _services_fail "npm install of s3rver failed in $here"
    return 1
  fi
  mkdir -p "$1/s3" && dir=$(cd "$1/s3" && pwd) || return 1
  log=$dir/../s3rver.log
  for attempt in 1 2 3; do
    port=$(free_port) || return 1
    node "$here/node_modules/.bin/s3rver" -d "$dir" -a 127.0.0.1 -p "$port" \
      --configure-bucket orchestra-test >"$log" 2>&1 &
    _services_s3_pid=$!
    for _ in {1..100}; do  # 10 s
      if grep -q "listening on" "$log" 2>/dev/null; then
        export ORCHESTRA_TEST_S3_ENDPOINT="http://127.0.0.1:$port"
        return 0
      fi
      kill -0 "$_services_s3_pid" 2>/dev/null || break
      sleep 0.1
    done
    kill "$_services_s3_pid" 2>/dev/null
    _services_s3_pid=''
    grep -q "EADDRINUSE" "$log" && ((attempt < 3)) && continue
    _services_fail "s3rver did not start on 127.0.0.1:$port; see $log:"
    tail -n 20 "$log" >&2
    return 1
  done
}

stop_services() {
  local pid bin
  if [[ -n ${_services_s3_pid:-} ]]; then
    _services_kill "$_services_s3_pid" "s3rver" || _services_fail "s3rver (pid $_services_s3_pid) did not stop"
    _services_s3_pid=''
    unset ORCHESTRA_TEST_S3_ENDPOINT
  fi
  if [[ -n $_services_pg_data ]]; then
    # The pid file first: crash_restart_postgres (maybe run by another
    # process) replaces the server this shell started.
    pid=$(head -n 1 "$_services_pg_data/postmaster.pid" 2>/dev/null) || pid=''
    [[ -n $pid ]] || pid=$_services_pg_pid
    if [[ -n $pid ]] && _services_is_ours "$pid" "$_services_pg_data"; then
      if bin=$(_services_pg_bin 2>/dev/null); then
        _services_as_pg "$bin/pg_ctl" -D "$_services_pg_data" -m fast -w -t 30 stop >/dev/null 2>&1
      fi
      _services_kill "$pid" "$_services_pg_data" ||
        _services_fail "PostgreSQL (pid $pid) did not stop"
    fi
    _services_pg_data='' _services_pg_pid='' _services_pg_user=''
    unset ORCHESTRA_TEST_POSTGRES_URL
  fi
  if [[ -n $_services_redis_pidfile ]]; then
    pid=$(cat "$_services_redis_pidfile" 2>/dev/null) || pid=''
    [[ -n $pid ]] || pid=$_services_redis_pid
    if [[ -n $pid ]]; then
      _services_kill "$pid" "127.0.0.1:$_services_redis_port" ||
        _services_fail "Redis (pid $pid) did not stop"
    fi
    _services_redis_pidfile='' _services_redis_pid='' _services_redis_port=''
    unset ORCHESTRA_TEST_REDIS_URL
  fi
  return 0
}

# SIGKILLs every process in $@ and waits up to 10 s for them to be gone.
_services_kill_now() {
  local pid
  kill -KILL "$@" 2>/dev/null
  for pid in "$@"; do
    _services_wait_gone "$pid" 100 || { _services_fail "pid $pid survived SIGKILL"; return 1; }
  done
}

# Kills the PostgreSQL cluster in DIR/pg with SIGKILL (the postmaster and
# every backend, as a crash would), waits DOWN seconds and starts it again
# on the same port; returns once it accepts connections (crash recovery
# included).
crash_restart_postgres() {
  if [[ $# -lt 1 || -z $1 ]]; then
    _services_fail "usage: crash_restart_postgres DIR [DOWN_SECONDS]"
    return 2
  fi
  local dir=$1 down=${2:-1} pgdata bin pid port from
  pgdata=$dir/pg
  pid=$(sed -n 1p "$pgdata/postmaster.pid" 2>/dev/null) || pid=''
  port=$(sed -n 4p "$pgdata/postmaster.pid" 2>/dev/null) || port=''
  if [[ ! $pid =~ ^[0-9]+$ || ! $port =~ ^[0-9]+$ ]] || ! _services_is_ours "$pid" "$pgdata"; then
    _services_fail "no PostgreSQL of ours runs in $pgdata"
    return 1
  fi
  bin=$(_services_pg_bin) || return 1
  _services_pg_owner || return 1
  # shellcheck disable=SC2046  # one word per child PID
  _services_kill_now "$pid" $(pgrep -P "$pid") || return 1
  sleep "$down"
  from=$(_services_size "$dir/pg.log")
  if ! _services_as_pg "$bin/pg_ctl" -D "$pgdata" -l "$dir/pg.log" -w -t 60 \
      -o "$(_services_pg_options "$port" "$dir/pgsock")" start >/dev/null 2>&1; then
    _services_fail "PostgreSQL did not start again on 127.0.0.1:$port; see $dir/pg.log:"
    _services_tail "$dir/pg.log" "$from"
    return 1
  fi
}

# Kills the Redis of DIR with SIGKILL, waits DOWN seconds and starts it
# again from DIR/redis.conf (same port, and its append-only file when
# SERVICES_REDIS_APPENDONLY=yes started it); returns once it answers PING.
crash_restart_redis() {
  if [[ $# -lt 1 || -z $1 ]]; then
    _services_fail "usage: crash_restart_redis DIR [DOWN_SECONDS]"
    return 2
  fi
  local dir=$1 down=${2:-1} pid port from out _
  pid=$(cat "$dir/redis.pid" 2>/dev/null) || pid=''
  port=$(awk '$1 == "port" {print $2}' "$dir/redis.conf" 2>/dev/null) || port=''
  if [[ ! $port =~ ^[0-9]+$ ]] || ! _services_is_ours "$pid" "127.0.0.1:$port"; then
    _services_fail "no Redis of ours runs from $dir/redis.conf"
    return 1
  fi
  _services_kill_now "$pid" || return 1
  sleep "$down"
  rm -f "$dir/redis.pid"
  from=$(_services_size "$dir/redis.log")
  if ! out=$(redis-server "$dir/redis.conf" 2>&1); then
    _services_fail "redis-server refused to start again: $out"
    return 1
  fi
  for _ in {1..300}; do  # 30 s: loading a long append-only file takes a while
    [[ $(timeout 2 redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null) == PONG ]] && return 0
    sleep 0.1
  done
  _services_fail "Redis did not answer PING on 127.0.0.1:$port within 30 s of its restart; see $dir/redis.log:"
  _services_tail "$dir/redis.log" "$from"
  return 1
}

# Run as a command rather than sourced: the fault injectors above, for
# programs that are not shells (tests/soak).
if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  case ${1:-} in
    crash_restart_postgres | crash_restart_redis) "$@" ;;
    *)
      _services_fail "usage: $0 crash_restart_postgres|crash_restart_redis DIR [DOWN_SECONDS]"
      exit 2
      ;;
  esac
fi
