/**
 * Scenario 11: a pool of worker threads for CPU-bound jobs (`examples/workerPool.ts`).
 *
 * Each job counts the primes below 200,000 by trial division, in plain JavaScript (about 15 ms
 * of one core; SHA-256 through `node:crypto` was tried first, but it scales to only 1.3–1.6×
 * on two threads of this VM even without the library, where plain JavaScript scales to 2×). The figure is jobs per
 * second from submitting a batch until its last result: a pool of two workers against a pool of
 * one (target ≥ 1.7× on a 2-core machine), in pairs of batches run back to back, so that a
 * change of load on a shared machine hits both runs of a pair alike; the ratio is the median of
 * the pairs' ratios. Baseline: the same jobs on the main thread, no worker. Then a pool of two
 * where every 20th job crashes its worker once: every job must still be done (lost 0), each
 * crashed one on its second attempt. Beside the pools, the same pairs on plain
 * `worker_threads` (each thread gets its share of a batch in one message): the speed-up two
 * threads could have at the time, which another busy process on the machine takes away.
 */
import { Worker } from 'node:worker_threads';
import { createActor } from 'xstate';
import {
  createWorkerPool,
  type JobResult,
  type PoolOutput,
  type PrimeJob,
} from '../examples/workerPool.js';
import { type BenchOptions, median, now, type Row, ratio } from './harness.js';

const SCENARIO = '11. worker pool (CPU-bound jobs)';
/** Each job counts the primes below this (by trial division, as the worker does). */
const BELOW = 200_000;

/** What a worker computes, on this thread. */
function countPrimes(n: number): number {
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

let nextId = 0;
function jobs(count: number, crashEvery = 0): PrimeJob[] {
  return Array.from({ length: count }, (_, index) => ({
    id: nextId++,
    below: BELOW,
    crashes: crashEvery > 0 && index % crashEvery === crashEvery - 1 ? 1 : 0,
  }));
}

const rate = (count: number, ms: number) => (count / ms) * 1000;

/** A started pool that runs batches and, at the end, shuts down with its output. */
function startPool(size: number) {
  const actor = createActor(createWorkerPool({ size }));
  let waiting: { left: number; done: () => void } | undefined;
  const results: JobResult[] = [];
  actor.on('result', (result) => {
    results.push(result);
    if (waiting && --waiting.left === 0) waiting.done();
  });
  const output = new Promise<PoolOutput>((resolve, reject) =>
    actor.subscribe({ complete: () => resolve(actor.getSnapshot().output!), error: reject }),
  );
  actor.start();
  return {
    results,
    /** Runs a batch; resolves with its wall time in ms. */
    async run(batch: PrimeJob[]): Promise<number> {
      const finished = new Promise<void>((done) => {
        waiting = { left: batch.length, done };
      });
      const start = now();
      actor.send({ type: 'submit', jobs: batch });
      await finished;
      return now() - start;
    },
    async stop(): Promise<PoolOutput> {
      actor.send({ type: 'shutdown' });
      return output;
    },
  };
}

/**
 * Plain `worker_threads` without the library: each thread gets its share of a batch in one
 * message and answers once. What two threads can do against one on this machine at the time.
 */
function startRaw(size: number) {
  const source = `
    const { parentPort } = require('node:worker_threads');
    ${countPrimes.toString()}
    parentPort.on('message', ({ count, below }) => {
      for (let i = 0; i < count; i++) countPrimes(below);
      parentPort.postMessage(count);
    });`;
  const threads = Array.from({ length: size }, () => new Worker(source, { eval: true }));
  const one = (thread: Worker, count: number) =>
    new Promise<void>((done) => {
      thread.once('message', () => done());
      thread.postMessage({ count, below: BELOW });
    });
  return {
    async run(count: number): Promise<number> {
      const start = now();
      await Promise.all(
        threads.map((thread, index) => one(thread, Math.ceil((count - index) / size))),
      );
      return now() - start;
    },
    stop: () => Promise.all(threads.map((thread) => thread.terminate())),
  };
}

export async function runWorkers({ quick, log }: BenchOptions): Promise<Row[]> {
  const count = quick ? 40 : 60;
  const pairs = quick ? 3 : 8;
  log(`${SCENARIO}: ${pairs} pairs of batches of ${count} jobs (primes below ${BELOW})`);

  const one = startPool(1);
  const two = startPool(2);
  const rawOne = startRaw(1);
  const rawTwo = startRaw(2);
  // Warm-up: threads started, code optimized.
  await one.run(jobs(8));
  await two.run(jobs(8));
  await rawOne.run(8);
  await rawTwo.run(8);
  // Each pair runs one batch on each pool, back to back (then the same on plain threads): a
  // change of load on a shared machine hits both runs of a pair alike, and the ratio is taken
  // per pair.
  const oneRates: number[] = [];
  const twoRates: number[] = [];
  const pairRatios: number[] = [];
  const rawRatios: number[] = [];
  for (let pair = 0; pair < pairs; pair++) {
    oneRates.push(rate(count, await one.run(jobs(count))));
    twoRates.push(rate(count, await two.run(jobs(count))));
    pairRatios.push(twoRates.at(-1)! / oneRates.at(-1)!);
    const rawSingle = rate(count, await rawOne.run(count));
    rawRatios.push(rate(count, await rawTwo.run(count)) / rawSingle);
  }
  await Promise.all([rawOne.stop(), rawTwo.stop()]);
  const single = median(oneRates);
  const pool = median(twoRates);
  const speedup = median(pairRatios);
  const rawSpeedup = median(rawRatios);
  const list = (values: number[]) => values.map((value) => value.toFixed(2)).join(', ');
  log(`  pool of 1 worker: ${single.toFixed(1)} jobs/s (${list(oneRates)})`);
  log(`  pool of 2 workers: ${pool.toFixed(1)} jobs/s (${list(twoRates)})`);
  log(`  pool of 2 ÷ pool of 1, per pair: ${list(pairRatios)}; median ${speedup.toFixed(2)}`);
  log(`  plain threads, 2 ÷ 1, per pair: ${list(rawRatios)}; median ${rawSpeedup.toFixed(2)}`);

  const mainStart = now();
  for (const job of jobs(count)) countPrimes(job.below);
  const mainThread = rate(count, now() - mainStart);
  log(`  main thread, no worker: ${mainThread.toFixed(1)} jobs/s`);

  // Every 20th job crashes its worker once: restarted, the job queued again, nothing lost.
  const crashing = jobs(count * 4, 20);
  const crashes = crashing.filter((job) => job.crashes).length;
  const before = two.results.length;
  const crashRate = rate(crashing.length, await two.run(crashing));
  const got = two.results.slice(before);
  const ids = new Set(got.map((result) => result.jobId));
  const lost = crashing.filter((job) => !ids.has(job.id)).length;
  const retried = got.filter((result) => result.attempts === 2).length;
  log(
    `  pool of 2, ${crashes} crashes: ${crashRate.toFixed(1)} jobs/s, lost ${lost}, retried ${retried}`,
  );

  const [oneOut, twoOut] = await Promise.all([one.stop(), two.stop()]);
  const pending = oneOut.pending + twoOut.pending;

  const metric = 'jobs/s';
  return [
    {
      scenario: SCENARIO,
      key: 'workers.pool2',
      subject: 'pool of 2 workers (createProcessGroup + fromWorker)',
      metric,
      value: pool,
      // The median of the per-pair ratios, which a load that changes between pairs skews less.
      ratio: { value: speedup, to: 'pool of 1 worker, per pair' },
      target: { text: '≥ 1.7× pool of 1 worker', met: speedup >= 1.7 },
      note: `medians of ${pairs} paired batches of ${count} jobs`,
    },
    {
      scenario: SCENARIO,
      key: 'workers.pool1',
      subject: 'baseline: pool of 1 worker',
      metric,
      value: single,
      ratio: ratio(pool, single, 'this'),
      note: 'ratio of the medians',
    },
    {
      scenario: SCENARIO,
      key: 'workers.raw',
      subject: 'baseline: plain worker_threads, 2 threads ÷ 1 (speed-up)',
      metric: '×',
      value: rawSpeedup,
      ratio: ratio(speedup, rawSpeedup, 'this'),
      note: "ratio: the pool's speed-up ÷ this, what two threads could do at the time",
    },
    {
      scenario: SCENARIO,
      subject: 'baseline: main thread, no worker',
      metric,
      value: mainThread,
      ratio: ratio(single, mainThread, 'this'),
      note: 'ratio: the pool of 1 ÷ this',
    },
    {
      scenario: SCENARIO,
      key: 'workers.crashing',
      subject: `pool of 2, every 20th job crashes its worker once (${crashes} crashes)`,
      metric,
      value: crashRate,
      ratio: ratio(crashRate, pool, 'pool of 2 without crashes'),
    },
    {
      scenario: SCENARIO,
      key: 'workers.lost',
      subject: 'pool of 2 with crashes: jobs lost',
      metric: 'jobs',
      value: lost + pending,
      target: { text: '0', met: lost + pending === 0 && retried === crashes },
      note: `${retried} of ${crashes} crashed jobs done on their second attempt`,
    },
  ];
}
