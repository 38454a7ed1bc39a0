// The worker of examples/workerPool.ts: one thread of the pool. It says it is online at every
// start, takes the jobs addressed to it, posts each result, and stops when asked to.
import { parentPort, workerData } from 'node:worker_threads';

const { id } = workerData;
let healthy = false;

/** How many primes are below `n`, by trial division: CPU-bound plain JavaScript. */
function countPrimes(n) {
  let count = 0;
  for (let candidate = 2; candidate < n; candidate++) {
    let prime = true;
    for (let divisor = 2; divisor * divisor <= candidate; divisor++) {
      if (candidate % divisor === 0) {
        prime = false;
        break;
      }
    }
    if (prime) count++;
  }
  return count;
}

parentPort.postMessage({ type: 'online', worker: id });

parentPort.on('message', (message) => {
  // Closing the port ends the thread once the jobs already posted to it are done: exit code 0.
  if (message.type === 'shutdown') return parentPort.close();
  // The group passes every event to every worker: take only the jobs addressed to this one.
  if (message.type !== 'job' || message.to !== id) return;
  const { job } = message;
  // A job can be told to crash its first attempts, to see a crash and a restart.
  if (job.attempt <= (job.crashes ?? 0)) {
    throw new Error(`job ${job.id} crashed worker ${id} (attempt ${job.attempt})`);
  }
  parentPort.postMessage({
    type: 'done',
    worker: id,
    jobId: job.id,
    primes: countPrimes(job.below),
  });
  // A run that has done a job works: its failure count is reset, so a later crash is
  // restarted after the shortest backoff again (said once per run).
  if (!healthy) {
    healthy = true;
    parentPort.postMessage({ type: 'supervisor.healthy' });
  }
});
