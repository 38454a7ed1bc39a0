/**
 * Demo: a supervisor keeps a flaky worker alive.
 *
 * The worker fails on its first two starts ("connection refused") and runs on the third. The
 * supervisor restarts it after 300 ms, then 600 ms (exponential backoff), passes a reload on
 * to it, and after about three seconds shuts it down gracefully: the worker's `signal` aborts,
 * it drains, and the supervisor stops with its output. Every transition of the supervisor and
 * every lifecycle event it emits is printed as it happens.
 *
 * Run it with `npm run demo`.
 */
import { createActor } from 'xstate';
import {
  createSupervisor,
  formatLifecycleEvent,
  fromProcess,
  type LifecycleEvent,
} from '../src/index.js';

const started = performance.now();
const log = (line: string) => {
  const seconds = ((performance.now() - started) / 1000).toFixed(2).padStart(5);
  console.log(`[${seconds}s] ${line}`);
};

/** Waits `ms`, or less if `signal` aborts first. */
const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });

let attempts = 0;

/** Connects (and fails twice), then serves until it is asked to shut down. */
const worker = fromProcess<{ attempt: number; reloads: number }>(async ({ signal, onReload }) => {
  const attempt = ++attempts;
  log(`  worker: connecting (attempt ${attempt})`);
  await sleep(150, signal);
  if (attempt <= 2) throw new Error(`connection refused (attempt ${attempt})`);
  log('  worker: connected, serving');
  let reloads = 0;
  onReload(() => {
    reloads += 1;
    log('  worker: reloaded its configuration');
  });
  await new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
  });
  log('  worker: shutdown asked; draining');
  await sleep(200);
  log('  worker: drained');
  return { attempt, reloads };
});

const supervisor = createSupervisor(worker, {
  id: 'demo',
  childId: 'worker',
  backoff: { initialMs: 300, maxMs: 2_000, factor: 2 },
  maxRestarts: { count: 5, withinMs: 10_000 },
  shutdownTimeoutMs: 2_000,
});

const actor = createActor(supervisor);

actor.on('*', (event: LifecycleEvent) => log(`event: ${formatLifecycleEvent(event)}`));

let last = '';
actor.subscribe({
  next(snapshot) {
    const state = stateName(snapshot.value);
    const { failures, restarts, nextDelayMs } = snapshot.context;
    const line = `state: ${state.padEnd(18)} failures=${failures} restarts=${restarts} nextDelayMs=${Math.round(nextDelayMs)}`;
    if (line !== last) log(line);
    last = line;
  },
  complete() {
    log(`output: ${JSON.stringify(actor.getSnapshot().output)}`);
  },
  error(error) {
    log(`supervisor failed: ${String(error)}`);
    process.exitCode = 1;
  },
});

actor.start();

setTimeout(() => {
  log('sending reload');
  actor.send({ type: 'reload' });
}, 2_200);

setTimeout(() => {
  log('sending shutdown');
  actor.send({ type: 'shutdown' });
}, 3_000);

/** `{ running: 'active' }` → `'running.active'`. */
function stateName(value: unknown): string {
  if (typeof value === 'string') return value;
  const [key, inner] = Object.entries(value as Record<string, unknown>)[0] ?? ['?', ''];
  return inner === undefined || (typeof inner === 'object' && !Object.keys(inner as object).length)
    ? key
    : `${key}.${stateName(inner)}`;
}
