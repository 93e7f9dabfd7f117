"""The Celery peer of the no-op task benchmark, on the same Redis as broker
and result store: starts one worker (prefork, concurrency C) on an empty
queue, enqueues N no-op tasks, then has the worker consume them and times
it until every result is stored (the worker's start-up is not timed).
Prints jobs/s as bench_tasks and bullmq_bench.js do.

    python3 celery_bench.py redis://127.0.0.1:6379/0 [tasks] [concurrency]
"""

import os
import subprocess
import sys
import time
import uuid

import redis
from celery import Celery

QUEUE = "peers-bench"
URL = os.environ.get("CELERY_BENCH_REDIS_URL") or (sys.argv[1] if len(sys.argv) > 1 else "")

app = Celery("celery_bench", broker=URL, backend=URL)
app.conf.update(
    task_default_queue=QUEUE,
    worker_prefetch_multiplier=64,
    result_expires=600,
    broker_connection_retry_on_startup=True,
)


@app.task(name="noop")
def noop():
    return None


def redis_cpu_seconds(client):
    """The Redis server's own CPU seconds (INFO cpu), as bench_tasks reads them."""
    info = client.info("cpu")
    return float(info["used_cpu_user"]) + float(info["used_cpu_sys"])


def stored(client, ids):
    """How many of `ids`, from the first, have their result stored."""
    done = 0
    while done < len(ids):
        chunk = ids[done:done + 1000]
        values = client.mget([f"celery-task-meta-{task_id}" for task_id in chunk])
        ready = next((i for i, value in enumerate(values) if value is None), len(values))
        done += ready
        if ready < len(values):
            break
    return done


def main():
    tasks = int(sys.argv[2]) if len(sys.argv) > 2 else 20000
    concurrency = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    client = redis.Redis.from_url(URL)
    client.delete(QUEUE)
    here = os.path.dirname(os.path.abspath(__file__))
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "celery_bench", "worker", "-c", str(concurrency),
         "-P", "prefork", "-Q", QUEUE + "-idle", "-l", "warning", "--without-gossip",
         "--without-mingle", "--without-heartbeat"],
        cwd=here, env={**os.environ, "CELERY_BENCH_REDIS_URL": URL},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not app.control.ping(timeout=0.5):
            if worker.poll() is not None or time.monotonic() > deadline:
                sys.exit("celery peer: the worker did not start")

        ids = [str(uuid.uuid4()) for _ in range(tasks)]
        cpu_before = redis_cpu_seconds(client)
        started = time.perf_counter()
        with app.producer_or_acquire() as producer:
            for task_id in ids:
                noop.apply_async(task_id=task_id, producer=producer)
        enqueue_seconds = time.perf_counter() - started

        started = time.perf_counter()
        app.control.add_consumer(QUEUE, reply=True, timeout=5, limit=1)
        done = 0
        while done < tasks:
            time.sleep(0.02)
            done += stored(client, ids[done:])
            if worker.poll() is not None:
                sys.exit(f"celery peer: the worker exited with {worker.returncode}")
        run_seconds = time.perf_counter() - started
        cpu = redis_cpu_seconds(client) - cpu_before
    finally:
        worker.terminate()
        worker.wait()
    client.delete(*[f"celery-task-meta-{task_id}" for task_id in ids])
    print(f"baseline=celery tasks={tasks} concurrency={concurrency}")
    print(f"  enqueue      {tasks / enqueue_seconds:10.0f} jobs/s")
    print(f"  end-to-end   {tasks / run_seconds:10.0f} jobs/s")
    print(f"  redis server CPU, enqueue and run: {cpu * 1e6 / tasks:.1f} us per job "
          "(the driver's result polling included)")


if __name__ == "__main__":
    main()
