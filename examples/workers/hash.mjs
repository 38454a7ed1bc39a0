// The worker of examples/workerPool.ts: one thread of the pool. It says it is online at every
// start, takes the jobs addressed to it, posts each result, and stops when asked to.
import { createHash } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';

const { id } = workerData;
let healthy = false;

/** `rounds` rounds of SHA-256, each over the previous digest: CPU-bound and deterministic. */
function hashRounds(seed, rounds) {
  let digest = seed;
  for (let round = 0; round < rounds; round++) {
    digest = createHash('sha256').update(digest).digest('hex');
  }
  return digest;
}

parentPort.postMessage({ type: 'online', worker: id });

parentPort.on('message', (message) => {
  // Closing the port ends the thread once the current job is done: exit code 0.
  if (message.type === 'shutdown') return parentPort.close();
  // The group passes every event to every worker: take only the jobs addressed to this one.
  if (message.type !== 'job' || message.to !== id) return;
  const { job } = message;
  // A job can be told to crash its first attempts, to see a crash and a restart.
  if (job.attempt <= (job.crashes ?? 0)) {
    throw new Error(`job ${job.id} crashed worker ${id} (attempt ${job.attempt})`);
  }
  const digest = hashRounds(job.seed, job.rounds);
  parentPort.postMessage({ type: 'done', worker: id, jobId: job.id, digest });
  // A run that has done a job works: its failure count is reset, so a later crash is
  // restarted after the shortest backoff again (said once per run).
  if (!healthy) {
    healthy = true;
    parentPort.postMessage({ type: 'supervisor.healthy' });
  }
});
