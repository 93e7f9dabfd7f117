#!/usr/bin/python3
"""Orchestra against its peers on the same work, interleaved in one run.

Each round runs every contestant of a piece of work one after the other (the
order turning each round), so a slower minute of the machine falls on all
of them alike; a ratio is taken within each round, and the table shows the
median of the rounds with their min-max.

    peers.py --build build --work DIR [--rounds 3] [--duration 10]
             [--only http,tasks,sql,csv,idle]

Needs ORCHESTRA_TEST_REDIS_URL (tasks) and ORCHESTRA_TEST_POSTGRES_URL (sql),
as scripts/services.sh sets them; scripts/bench.sh peers does all of it.
"""

import argparse
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
import http.client
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
FIVE_PLUGINS = "[calculator, csv-summer, steam-sync, notifications, search-indexer]"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def answers(url):
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return response.status == 200
    except (OSError, ValueError, http.client.HTTPException):
        return False


class Server:
    """A process serving on 127.0.0.1:port until stopped; its output goes to
    a log file in the work directory."""

    def __init__(self, name, command, port, work, cwd=None, ready_path="/api/v1/echo/hello"):
        self.name, self.port = name, port
        self.log = open(os.path.join(work, f"{name}.log"), "w")
        self.process = subprocess.Popen(command, cwd=cwd, stdout=self.log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 30
            while not answers(f"http://127.0.0.1:{port}{ready_path}"):
                if self.process.poll() is not None or time.monotonic() > deadline:
                    sys.exit(f"peers: {name} did not start; see {self.log.name}")
                time.sleep(0.05)
        except BaseException:
            self.stop()
            raise

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def run(command, **options):
    result = subprocess.run(command, capture_output=True, text=True, **options)
    if result.returncode != 0:
        sys.exit(f"peers: {' '.join(command)} failed: {result.stderr.strip()[-500:]}")
    return result.stdout


def figure(pattern, text, what):
    found = re.search(pattern, text)
    if not found:
        sys.exit(f"peers: no {what} in:\n{text}")
    return float(found.group(1))


def milliseconds(text):
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


# ---------------------------------------------------------------- http

def orchestra_config(work, name, port, body):
    path = os.path.join(work, f"{name}.yaml")
    with open(path, "w") as out:
        out.write(f"server:\n  listen: 127.0.0.1:{port}\n{body}")
    return path


def start_orchestra_echo(args, port):
    config = orchestra_config(args.work, "orchestra-http", port, f"""  threads: 1
database:
  url: sqlite:///{args.work}/http.db
  migrations_dir: {ROOT}/sql
log:
  access: false
plugins:
  dir: {args.build}/tests/plugins
  enabled: [echo]
""")
    return Server("orchestra", [f"{args.build}/bin/orchestra", "--config", config], port, args.work)


def start_nginx(args, port):
    conf = os.path.join(args.work, "nginx.conf")
    with open(conf, "w") as out:
        out.write(f"""worker_processes 1;
daemon off;
pid {args.work}/nginx.pid;
error_log {args.work}/nginx-error.log;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_body_temp_path {args.work}/nginx-body;
  proxy_temp_path {args.work}/nginx-proxy;
  fastcgi_temp_path {args.work}/nginx-fastcgi;
  uwsgi_temp_path {args.work}/nginx-uwsgi;
  scgi_temp_path {args.work}/nginx-scgi;
  server {{
    listen 127.0.0.1:{port};
    location = /api/v1/echo/hello {{
      default_type application/json;
      return 200 '{{"message":"hello"}}';
    }}
  }}
}}
""")
    return Server("nginx", ["nginx", "-p", args.work, "-c", conf, "-e", f"{args.work}/nginx-error.log"],
                  port, args.work)


def start_fastify(args, port):
    return Server("fastify", ["node", "fastify_server.js", str(port)], port, args.work, cwd=HERE)


def start_fastapi(args, port):
    return Server("fastapi", ["/usr/bin/python3", "-m", "uvicorn", "fastapi_app:app", "--host",
                              "127.0.0.1", "--port", str(port), "--workers", "1", "--loop", "uvloop",
                              "--http", "httptools", "--no-access-log", "--log-level", "warning"],
                  port, args.work, cwd=HERE)


def wrk(port, duration):
    url = f"http://127.0.0.1:{port}/api/v1/echo/hello"
    run(["wrk", "-t1", "-c64", "-d2s", url])  # warm-up
    out = run(["wrk", "-t1", "-c64", f"-d{duration}s", "--latency", url])
    failures = re.search(r"(Non-2xx or 3xx responses: \d+|Socket errors: .*)", out)
    if failures:
        sys.exit(f"peers: the server on port {port} failed requests ({failures.group(1)}); "
                 "a rate with failures is no figure")
    rate = figure(r"Requests/sec:\s+([\d.]+)", out, "Requests/sec")
    p99 = milliseconds(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))
    return rate, p99


def bench_http(args, results):
    contestants = [("Orchestra", start_orchestra_echo), ("nginx", start_nginx),
                   ("fastify", start_fastify), ("FastAPI", start_fastapi)]
    print(f"== small JSON GET: wrk -t1 -c64 -d{args.duration}s; wrk and the server share the "
          "two cores")
    for round_ in range(args.rounds):
        order = contestants[round_ % len(contestants):] + contestants[:round_ % len(contestants)]
        for name, start in order:
            server = start(args, free_port())
            try:
                rate, p99 = wrk(server.port, args.duration)
            finally:
                server.stop()
            print(f"  round {round_ + 1}  {name:<10} {rate:>10.0f} req/s  p99 {p99:.2f} ms")
            results.add("http", name, round_, {"rate": rate, "p99": p99})


# ---------------------------------------------------------------- tasks

def bench_tasks(args, results):
    url = os.environ["ORCHESTRA_TEST_REDIS_URL"]
    contestants = [
        ("Orchestra", [f"{args.build}/bin/bench_tasks", "--backend", "redis", "--tasks",
                       str(args.tasks)]),
        ("BullMQ", ["node", "bullmq_bench.js", url, str(args.tasks), "1000", "2"]),
        ("Celery", ["/usr/bin/python3", "celery_bench.py", url, str(args.celery_tasks), "2"]),
    ]
    print(f"== no-op tasks end to end on one Redis: {args.tasks} (Celery {args.celery_tasks}), "
          "one worker, 2 handler threads or processes")
    for round_ in range(args.rounds):
        order = contestants[round_ % len(contestants):] + contestants[:round_ % len(contestants)]
        for name, command in order:
            run(["redis-cli", "-u", url, "flushdb"])
            out = run(command, cwd=HERE)
            rate = figure(r"end-to-end\s+([\d.]+)", out, "end-to-end rate")
            per_task = figure(r"redis server CPU, enqueue and run: ([\d.]+) us", out, "Redis CPU")
            print(f"  round {round_ + 1}  {name:<10} {rate:>10.0f} tasks/s  "
                  f"Redis CPU {per_task:.1f} us per task (enqueue and run, the server's INFO cpu)")
            results.add("tasks", name, round_, {"rate": rate, "redis_us": per_task})


def bench_sql(args, results):
    print(f"== no-op tasks end to end on SQLite and PostgreSQL: {args.tasks}, one worker")
    for round_ in range(args.rounds):
        for backend in ("sqlite", "postgres") if round_ % 2 == 0 else ("postgres", "sqlite"):
            out = run([f"{args.build}/bin/bench_tasks", "--backend", backend, "--tasks",
                       str(args.tasks)])
            rate = figure(r"end-to-end\s+([\d.]+)", out, "end-to-end rate")
            p99 = figure(r"idle enqueue-to-start .* p99 ([\d.]+) ms", out, "idle p99")
            print(f"  round {round_ + 1}  {backend:<10} {rate:>10.0f} tasks/s  "
                  f"idle enqueue-to-start p99 {p99:.2f} ms")
            results.add("sql", backend, round_, {"rate": rate, "p99": p99})


# ---------------------------------------------------------------- csv

CSV_FILE = "/tmp/orchestra-bench/standard.csv"
MAWK_SUMS = 'NR > 1 { a += $10; b += $20; c += $30 } END { printf "%.6f %.6f %.6f\\n", a, b, c }'
PANDAS_SUMS = ("import sys, pandas; "
               "print(pandas.read_csv(sys.argv[1], usecols=[9, 19, 29]).sum().to_dict())")


def timed(command):
    started = time.perf_counter()
    run(command)
    return time.perf_counter() - started


def bench_csv(args, results):
    orchestra = [f"{args.build}/bin/bench_csv", "--file", CSV_FILE, "--task-only"]
    run(orchestra)  # makes the file when missing, and warms the page cache
    size_mb = os.path.getsize(CSV_FILE) / 1e6
    contestants = [
        ("wc -l", lambda: {"seconds": timed(["wc", "-l", CSV_FILE])}),
        ("mawk", lambda: {"seconds": timed(["mawk", "-F,", MAWK_SUMS, CSV_FILE])}),
        ("pandas", lambda: {"seconds": timed(["/usr/bin/python3", "-c", PANDAS_SUMS, CSV_FILE])}),
        ("Orchestra", lambda: orchestra_csv(orchestra)),
    ]
    print(f"== CSV {size_mb:.0f} MB, every 10th column summed (Orchestra: submit to result over "
          "REST, file in the page cache)")
    for round_ in range(args.rounds):
        order = contestants[round_ % len(contestants):] + contestants[:round_ % len(contestants)]
        for name, measure in order:
            figures = measure()
            extra = f"  memory +{figures['memory_mb']:.1f} MB over idle" if "memory_mb" in figures else ""
            print(f"  round {round_ + 1}  {name:<10} {figures['seconds']:>8.3f} s{extra}")
            results.add("csv", name, round_, figures)


def orchestra_csv(command):
    out = run(command)
    idle = figure(r"idle ([\d.]+) MB", out, "idle memory")
    peak = figure(r"peak ([\d.]+) MB", out, "peak memory")
    return {"seconds": figure(r"whole task from local disk ([\d.]+) s", out, "task time"),
            "memory_mb": peak - idle}


# ---------------------------------------------------------------- idle

def rss_mb(pid):
    with open(f"/proc/{pid}/status") as status:
        return float(re.search(r"VmRSS:\s+(\d+)", status.read()).group(1)) / 1024


def start_until_ready(args, config, port):
    """Starts the all-in-one; milliseconds from exec to /readyz 200, and
    its RSS after 2 s idle."""
    started = time.perf_counter()
    log = open(os.path.join(args.work, "orchestra-idle.log"), "w")
    process = subprocess.Popen([f"{args.build}/bin/orchestra", "--role", "all", "--config", config],
                               stdout=log, stderr=subprocess.STDOUT)
    try:
        while not answers(f"http://127.0.0.1:{port}/readyz"):
            if process.poll() is not None or time.perf_counter() - started > 30:
                sys.exit(f"peers: the all-in-one did not become ready; see {log.name}")
            time.sleep(0.002)
        ready_ms = (time.perf_counter() - started) * 1000
        time.sleep(2)
        return ready_ms, rss_mb(process.pid)
    finally:
        process.terminate()
        process.wait()
        log.close()


def bench_idle(args, results):
    print("== all-in-one with all five plugins on SQLite: exec to /readyz 200 (first start on a new "
          "database, with its migrations; then a restart), RSS after 2 s idle")
    for round_ in range(args.rounds):
        port = free_port()
        # Steam is never reached: its URLs name a closed loopback port.
        config = orchestra_config(args.work, "orchestra-idle", port, f"""database:
  url: sqlite:///{args.work}/idle-{round_}.db
  migrations_dir: {ROOT}/sql
log:
  access: false
blobs:
  local:
    roots: [{args.work}]
plugins:
  enabled: {FIVE_PLUGINS}
  steam-sync:
    api_url: http://127.0.0.1:9
    store_url: http://127.0.0.1:9
""")
        first_ms, _ = start_until_ready(args, config, port)
        ready_ms, rss = start_until_ready(args, config, port)
        print(f"  round {round_ + 1}  first start ready in {first_ms:.0f} ms, restart ready in "
              f"{ready_ms:.0f} ms, RSS {rss:.1f} MB")
        results.add("idle", "Orchestra", round_,
                    {"first_ms": first_ms, "ready_ms": ready_ms, "rss_mb": rss})


# ---------------------------------------------------------------- table

class Results:
    def __init__(self):
        self.figures = {}  # (work, name) -> {round: {figure: value}}

    def add(self, work, name, round_, figures):
        self.figures.setdefault((work, name), {})[round_] = figures

    def has(self, work, name):
        return (work, name) in self.figures

    def values(self, work, name, key):
        rounds = self.figures.get((work, name), {})
        return [rounds[r][key] for r in sorted(rounds)]

    def ratios(self, work, ours, theirs, key, invert=False):
        a = self.figures.get((work, ours), {})
        b = self.figures.get((work, theirs), {})
        rounds = sorted(set(a) & set(b))
        return [(b[r][key] / a[r][key]) if invert else (a[r][key] / b[r][key]) for r in rounds]


def spread(values, unit="", digits=0):
    if not values:
        return "-"
    text = lambda v: f"{v:,.{digits}f}"
    median = statistics.median(values)
    if len(values) == 1:
        return f"{text(median)}{unit}"
    return f"{text(median)}{unit} ({text(min(values))}–{text(max(values))})"


def print_table(results):
    print("\n| work | peer | peer | Orchestra | Orchestra / peer | goal |")
    print("|---|---|--:|--:|--:|---|")
    row = lambda *cells: print("| " + " | ".join(cells) + " |")
    for peer, goal in (("nginx", "≥ 0.95×"), ("fastify", ""), ("FastAPI", "")):
        if results.has("http", peer):
            row("small JSON GET, req/s", peer, spread(results.values("http", peer, "rate")),
                spread(results.values("http", "Orchestra", "rate")),
                spread(results.ratios("http", "Orchestra", peer, "rate"), "×", 2), goal)
    if results.has("http", "Orchestra"):
        row("small JSON GET, p99", "nginx", spread(results.values("http", "nginx", "p99"), " ms", 2),
            spread(results.values("http", "Orchestra", "p99"), " ms", 2), "", "≤ 1 ms")
    for peer, goal in (("BullMQ", "≥ 8×"), ("Celery", "")):
        if results.has("tasks", peer):
            row("no-op tasks end to end on Redis, tasks/s", peer,
                spread(results.values("tasks", peer, "rate")),
                spread(results.values("tasks", "Orchestra", "rate")),
                spread(results.ratios("tasks", "Orchestra", peer, "rate"), "×", 2), goal)
    if results.has("tasks", "BullMQ"):
        row("Redis CPU per task (peer's / ours)", "BullMQ",
            spread(results.values("tasks", "BullMQ", "redis_us"), " µs", 1),
            spread(results.values("tasks", "Orchestra", "redis_us"), " µs", 1),
            spread(results.ratios("tasks", "Orchestra", "BullMQ", "redis_us", invert=True), "×", 2),
            "≥ 8×")
    for backend, name, goal in (("sqlite", "SQLite", "≥ 30,000/s"), ("postgres", "PostgreSQL", "≥ 20,000/s")):
        if results.has("sql", backend):
            row(f"no-op tasks end to end on {name}, tasks/s", "—", "",
                spread(results.values("sql", backend, "rate")), "", goal)
            row(f"idle enqueue → start p99 on {name}", "—", "",
                spread(results.values("sql", backend, "p99"), " ms", 2), "", "≤ 2 ms")
    for peer, goal in (("wc -l", "≤ 2× (time)"), ("mawk", ""), ("pandas", "")):
        if results.has("csv", peer):
            row("CSV every 10th column, seconds", peer,
                spread(results.values("csv", peer, "seconds"), " s", 2),
                spread(results.values("csv", "Orchestra", "seconds"), " s", 2),
                spread(results.ratios("csv", "Orchestra", peer, "seconds"), "×", 2), goal)
    if results.has("csv", "Orchestra"):
        row("CSV task, server memory above idle", "—", "",
            spread(results.values("csv", "Orchestra", "memory_mb"), " MB", 1), "", "≤ 64 MB")
    if results.has("idle", "Orchestra"):
        row("all-in-one, five plugins, RSS idle", "—", "",
            spread(results.values("idle", "Orchestra", "rss_mb"), " MB", 1), "", "≤ 40 MB")
        row("all-in-one, five plugins, exec → ready (restart)", "—", "",
            spread(results.values("idle", "Orchestra", "ready_ms"), " ms"), "", "≤ 100 ms")
        row("all-in-one, five plugins, exec → ready (new database)", "—", "",
            spread(results.values("idle", "Orchestra", "first_ms"), " ms"), "", "")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", default=os.path.join(ROOT, "build"))
    parser.add_argument("--work", required=True)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--tasks", type=int, default=100000)
    parser.add_argument("--celery-tasks", type=int, default=20000)
    parser.add_argument("--only", default="http,tasks,sql,csv,idle")
    args = parser.parse_args()
    args.build = os.path.abspath(args.build)
    steps = {"http": bench_http, "tasks": bench_tasks, "sql": bench_sql, "csv": bench_csv,
             "idle": bench_idle}
    wanted = args.only.split(",")
    unknown = [name for name in wanted if name not in steps]
    if unknown:
        sys.exit(f"peers: unknown --only {','.join(unknown)}; expected some of {','.join(steps)}")
    # A SIGTERM (bench.sh stopped) unwinds like an error, so every server
    # and worker started is stopped on the way out.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("peers: stopped"))
    results = Results()
    print(f"peers: {os.cpu_count()} cores, {args.rounds} rounds, interleaved")
    for name in wanted:
        steps[name](args, results)
    print_table(results)


if __name__ == "__main__":
    main()
