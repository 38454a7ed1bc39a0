/**
 * A pool of worker threads for CPU-bound jobs: one worker per core, each a child of a process
 * group that restarts it when it crashes, and a dispatcher machine that hands out the jobs.
 *
 * The dispatcher keeps every job until a worker has posted its result: a job in flight on a
 * worker that crashes is queued again (at the front) when that worker comes back online, so no
 * job is lost. A job that crashed its worker `maxAttempts` times is given up and reported, so
 * one bad job cannot keep the pool restarting. Run it with `npx tsx examples/workerPool.ts`.
 */
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { assign, createActor, enqueueActions, sendTo, setup } from 'xstate';
import { createProcessGroup, type EventFromWorker, fromWorker } from '../src/node.js';

/** A CPU-bound job: count the primes below `below`. */
export interface PrimeJob {
  id: number;
  below: number;
  /** How many of its first attempts crash the worker (a demo of a crash and a restart). */
  crashes?: number;
}

/** A job as handed to a worker: with the attempt it is on (1 for the first). */
type Attempt = PrimeJob & { attempt: number };

/** What the dispatcher sends a worker (through the group, which passes it to every worker). */
type ToWorker = { type: 'job'; to: string; job: Attempt };
/** What a worker posts: online at each start, and each result. */
type FromWorker =
  | { type: 'online'; worker: string }
  | { type: 'done'; worker: string; jobId: number; primes: number };

/**
 * One worker thread; its input (its `workerData`) is its id. Its script is plain JavaScript, so
 * it starts without the parent's Node options (a TypeScript loader would slow every restart).
 */
export const primeWorker = fromWorker<ToWorker, FromWorker, { id: string }>({
  file: new URL('./workers/primes.mjs', import.meta.url),
  execArgv: [],
});

/** Emitted by the pool for each job, once, when its result is in. */
export interface JobResult {
  type: 'result';
  jobId: number;
  /** How many primes are below the job's `below`. */
  primes: number;
  /** 1 unless the job was queued again after a crash. */
  attempts: number;
}

/** Emitted by the pool for a job given up: it crashed its worker `maxAttempts` times. */
export interface JobFailed {
  type: 'failed';
  jobId: number;
  attempts: number;
}

/** What the pool says when it stops. */
export interface PoolOutput {
  completed: number;
  /** Jobs given up after `maxAttempts` crashes. */
  failed: number;
  /** Jobs handed back to the queue because their worker crashed (the one it ran, and the next). */
  requeued: number;
  /** Jobs not done when it stopped. */
  pending: number;
}

interface PoolContext {
  /** Jobs waiting, from `next` on; jobs queued again after a crash wait in `retries`, first. */
  queue: readonly Attempt[];
  next: number;
  retries: readonly Attempt[];
  /** The workers online, in the order they came. */
  online: readonly string[];
  /** The jobs handed to each worker, oldest first: kept until each one's result is in. */
  assigned: Readonly<Record<string, readonly Attempt[]>>;
  completed: number;
  failed: number;
  requeued: number;
}

type PoolEvent = { type: 'submit'; jobs: readonly PrimeJob[] } | { type: 'shutdown' };

/**
 * The pool: a dispatcher machine invoking a group of `size` workers (default one per core).
 * Send it `{ type: 'submit', jobs }`; it emits a {@link JobResult} per job done, or a
 * {@link JobFailed} for a job that crashed its worker `maxAttempts` times (default 3);
 * `shutdown` lets each worker finish the jobs it holds and stop. Each worker holds up to
 * `prefetch` jobs (default 2: the one it runs and the next, waiting in its port), so it never
 * waits for the dispatcher between two jobs.
 */
export function createWorkerPool({
  size = availableParallelism(),
  maxAttempts = 3,
  prefetch = 2,
}: {
  size?: number;
  maxAttempts?: number;
  prefetch?: number;
} = {}) {
  const ids = Array.from({ length: size }, (_, index) => `worker-${index}`);
  const workers = createProcessGroup({
    id: 'workers',
    strategy: 'one-for-one',
    backoff: { initialMs: 20, maxMs: 1_000 },
    maxRestarts: { count: 20, withinMs: 10_000 },
    shutdownTimeoutMs: 5_000,
    children: ids.map((id) => ({ id, logic: primeWorker, input: { id } })),
  });

  return setup({
    types: {
      context: {} as PoolContext,
      events: {} as PoolEvent | EventFromWorker<typeof primeWorker>,
      emitted: {} as JobResult | JobFailed,
      output: {} as PoolOutput,
    },
    actors: { workers },
    actions: {
      // Tops up each worker to `prefetch` jobs, one round at a time (retries first).
      dispatch: enqueueActions(({ context, enqueue }) => {
        let { next, retries } = context;
        const assigned = { ...context.assigned };
        const waiting = () => retries.length > 0 || next < context.queue.length;
        for (let depth = 1; depth <= prefetch && waiting(); depth++) {
          for (const worker of context.online) {
            const held = assigned[worker] ?? [];
            if (held.length >= depth || !waiting()) continue;
            const job = retries[0] ?? context.queue[next++]!;
            if (retries.length > 0) retries = retries.slice(1);
            assigned[worker] = [...held, job];
            enqueue.sendTo('workers', { type: 'job', to: worker, job });
          }
        }
        enqueue.assign({ next, retries, assigned });
      }),
      // Takes a result: once, from the worker that holds the job.
      record: enqueueActions(({ context, event, enqueue }) => {
        if (event.type !== 'done') return;
        const held = context.assigned[event.worker] ?? [];
        const job = held.find((attempt) => attempt.id === event.jobId);
        // A result of a job queued again meanwhile is no longer this worker's to report.
        if (!job) return;
        enqueue.assign({
          assigned: { ...context.assigned, [event.worker]: held.filter((other) => other !== job) },
          completed: context.completed + 1,
        });
        enqueue.emit({
          type: 'result',
          jobId: job.id,
          primes: event.primes,
          attempts: job.attempt,
        });
      }),
      // A worker (re)started: the jobs it held when it crashed are queued again, first. The
      // one it was running made it crash: that is an attempt, and after maxAttempts it is
      // given up.
      requeue: enqueueActions(({ context, event, enqueue }) => {
        if (event.type !== 'online') return;
        const [crashed, ...rest] = context.assigned[event.worker] ?? [];
        const online = context.online.includes(event.worker)
          ? context.online
          : [...context.online, event.worker];
        const assigned = { ...context.assigned, [event.worker]: [] };
        if (!crashed) return enqueue.assign({ online, assigned });
        const again = crashed.attempt < maxAttempts;
        if (!again) enqueue.emit({ type: 'failed', jobId: crashed.id, attempts: crashed.attempt });
        enqueue.assign({
          online,
          assigned,
          retries: [
            ...(again ? [{ ...crashed, attempt: crashed.attempt + 1 }] : []),
            ...rest,
            ...context.retries,
          ],
          requeued: context.requeued + rest.length + (again ? 1 : 0),
          failed: context.failed + (again ? 0 : 1),
        });
      }),
    },
  }).createMachine({
    id: 'pool',
    context: {
      queue: [],
      next: 0,
      retries: [],
      online: [],
      assigned: {},
      completed: 0,
      failed: 0,
      requeued: 0,
    },
    // A group that gives up (workers that crash on their own, again and again) fails the pool
    // with its error.
    invoke: { id: 'workers', src: 'workers', onDone: '.stopped' },
    output: ({ context }) => ({
      completed: context.completed,
      failed: context.failed,
      requeued: context.requeued,
      pending:
        context.retries.length +
        context.queue.length -
        context.next +
        Object.values(context.assigned).reduce((sum, held) => sum + held.length, 0),
    }),
    // Results still count while the workers finish what they hold after a shutdown.
    on: { done: { actions: 'record' } },
    initial: 'running',
    states: {
      running: {
        on: {
          submit: {
            actions: [
              assign(({ context, event }) => ({
                queue: [
                  ...context.queue.slice(context.next),
                  ...event.jobs.map((job) => ({ ...job, attempt: 1 })),
                ],
                next: 0,
              })),
              'dispatch',
            ],
          },
          online: { actions: ['requeue', 'dispatch'] },
          done: { actions: ['record', 'dispatch'] },
          shutdown: { target: 'stopping', actions: sendTo('workers', { type: 'shutdown' }) },
        },
      },
      stopping: {},
      stopped: { type: 'final' },
    },
  });
}

/** `npx tsx examples/workerPool.ts`: 200 jobs on a pool, one of which crashes its worker once. */
async function main(): Promise<void> {
  const jobs: PrimeJob[] = Array.from({ length: 200 }, (_, id) => ({
    id,
    below: 200_000 + id,
    crashes: id === 50 ? 1 : 0,
  }));
  const pool = createActor(createWorkerPool());
  const started = performance.now();
  let results = 0;
  pool.on('result', () => {
    if (++results === jobs.length) pool.send({ type: 'shutdown' });
  });
  pool.subscribe({
    complete: () => {
      const seconds = (performance.now() - started) / 1000;
      console.log(pool.getSnapshot().output, `${(jobs.length / seconds).toFixed(0)} jobs/s`);
    },
    error: (error) => console.error('the pool failed:', error),
  });
  pool.start();
  pool.send({ type: 'submit', jobs });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
