// Baseline for the task benchmark: BullMQ (Node) on the same Redis and
// machine. Enqueues N no-op jobs in bulk batches, then one worker with
// concurrency C runs them; prints jobs/s like bench_tasks does.
//   node bullmq_bench.js redis://127.0.0.1:6379/0 [tasks] [batch] [concurrency]
const { Queue, Worker } = require('bullmq');

// The Redis server's own CPU seconds (INFO cpu), read the way bench_tasks
// reads them.
async function redisCpuSeconds(queue) {
  const client = await queue.client;
  const info = await client.info('cpu');
  const field = (name) => Number((info.match(new RegExp(`${name}:([\\d.]+)`)) || [0, 0])[1]);
  return field('used_cpu_user') + field('used_cpu_sys');
}

async function main() {
  const url = new URL(process.argv[2]);
  const tasks = Number(process.argv[3] || 100000);
  const batch = Number(process.argv[4] || 1000);
  const concurrency = Number(process.argv[5] || 2);
  const connection = { host: url.hostname, port: Number(url.port), db: Number(url.pathname.slice(1) || 0) };
  const name = `bench${Date.now()}`;
  const queue = new Queue(name, { connection });

  const cpuBefore = await redisCpuSeconds(queue);
  let start = process.hrtime.bigint();
  for (let done = 0; done < tasks; done += batch) {
    const jobs = [];
    for (let i = 0; i < batch; i++) jobs.push({ name: 'noop', data: {} });
    await queue.addBulk(jobs);
  }
  const enqueueSeconds = Number(process.hrtime.bigint() - start) / 1e9;

  let finished = 0;
  start = process.hrtime.bigint();
  const allDone = new Promise((resolve, reject) => {
    const worker = new Worker(name, async () => ({}), { connection, concurrency });
    worker.on('completed', () => {
      if (++finished === tasks) resolve(worker);
    });
    worker.on('failed', (job, error) => reject(new Error(`job ${job && job.id} failed: ${error.message}`)));
  });
  const worker = await allDone;
  const runSeconds = Number(process.hrtime.bigint() - start) / 1e9;
  const cpu = (await redisCpuSeconds(queue)) - cpuBefore;
  console.log(`baseline=bullmq tasks=${tasks} batch=${batch} concurrency=${concurrency}`);
  console.log(`  enqueue      ${(tasks / enqueueSeconds).toFixed(0).padStart(10)} jobs/s`);
  console.log(`  end-to-end   ${(tasks / runSeconds).toFixed(0).padStart(10)} jobs/s`);
  console.log(`  redis server CPU, enqueue and run: ${(cpu * 1e6 / tasks).toFixed(1)} us per job`);
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
}

main().catch((error) => {
  console.error(`bullmq baseline: ${error.message}`);
  process.exit(1);
});
