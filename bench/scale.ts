/**
 * Scenario 2: many supervisors, each around an idle child.
 *
 * N root actors, each a supervisor around `idle`: time to start them all, time to shut them all
 * down (from the first `shutdown` sent until the last supervisor is done, and how much of that
 * passed before every one had taken its `shutdown`), and heap bytes per supervisor after garbage
 * collection. Baseline: N minimal raw XState actors, each invoking an
 * idle promise (a `fromPromise` that waits on its abort signal) and stopping it on `shutdown`.
 * Each figure is the median of three pairs of runs (one pair at 100,000), ours then raw.
 */
import {
  type AnyActorRef,
  type AnyStateMachine,
  createActor,
  fromPromise,
  sendTo,
  setup,
} from 'xstate';
import { createSupervisor, idle } from '../src/index.js';
import { type BenchOptions, heapAfterGc, median, now, type Row, ratio } from './harness.js';

const SCENARIO = '2. scale: idle supervisors';

/** A promise that waits until its signal aborts. */
const idlePromise = fromPromise<void>(
  ({ signal }) =>
    new Promise<void>((resolve) => {
      signal.addEventListener('abort', () => resolve(), { once: true });
    }),
);

/** The baseline: invokes a promise that waits until its signal aborts; `shutdown` ends it. */
export const rawIdle = setup({
  actors: { idle: idlePromise },
}).createMachine({
  initial: 'running',
  states: {
    running: { invoke: { src: 'idle' }, on: { shutdown: 'stopped' } },
    stopped: { type: 'final' },
  },
});

/**
 * A second baseline for the shutdown: a raw machine that does what a supervisor does on
 * `shutdown`, asking its child to stop and waiting until it has (`running.stopping` until the
 * child's `onDone`). The child is a machine invoking the same idle promise, which ends on
 * `shutdown`. `rawIdle` stops its promise without waiting for it.
 */
export const rawWaiting = setup({
  actors: {
    child: setup({ actors: { idle: idlePromise } }).createMachine({
      initial: 'running',
      states: {
        running: { invoke: { src: 'idle' }, on: { shutdown: 'done' } },
        done: { type: 'final' },
      },
    }),
  },
}).createMachine({
  initial: 'running',
  states: {
    running: {
      invoke: { id: 'child', src: 'child', onDone: 'stopped' },
      initial: 'active',
      states: {
        active: { on: { shutdown: 'stopping' } },
        stopping: { entry: sendTo('child', { type: 'shutdown' }) },
      },
    },
    stopped: { type: 'final' },
  },
});

interface ScaleResult {
  startMs: number;
  shutdownMs: number;
  /** The synchronous part of the shutdown: until every actor has taken its `shutdown`. */
  askedMs: number;
  bytesPerActor: number;
}

/** Starts `count` actors of `machine`, measures, shuts them all down. */
async function measureScale(machine: AnyStateMachine, count: number): Promise<ScaleResult> {
  const actors: AnyActorRef[] = new Array(count);
  const before = await heapAfterGc();
  const startedAt = now();
  for (let i = 0; i < count; i++) actors[i] = createActor(machine).start();
  const startMs = now() - startedAt;
  const after = await heapAfterGc();
  let left = count;
  let allDone!: () => void;
  const done = new Promise<void>((resolve) => {
    allDone = resolve;
  });
  for (const actor of actors) {
    actor.subscribe({
      complete: () => {
        if (--left === 0) allDone();
      },
    });
  }
  const stoppingAt = now();
  for (const actor of actors) actor.send({ type: 'shutdown' });
  const askedMs = now() - stoppingAt;
  await done;
  const shutdownMs = now() - stoppingAt;
  actors.fill(undefined as unknown as AnyActorRef);
  return { startMs, shutdownMs, askedMs, bytesPerActor: (after - before) / count };
}

/** Pairs of runs of each size up to 10,000. */
const PAIRS = 3;

/** The median of each figure of several runs. */
function medianOf(runs: readonly ScaleResult[]): ScaleResult {
  return {
    startMs: median(runs.map((run) => run.startMs)),
    shutdownMs: median(runs.map((run) => run.shutdownMs)),
    askedMs: median(runs.map((run) => run.askedMs)),
    bytesPerActor: median(runs.map((run) => run.bytesPerActor)),
  };
}

export async function runScale({ quick, log }: BenchOptions): Promise<Row[]> {
  const sizes = quick ? [1_000, 10_000] : [10_000, 100_000];
  const supervisor = createSupervisor(idle);
  // Warm up both paths.
  await measureScale(supervisor, 1_000);
  await measureScale(rawIdle, 1_000);
  await measureScale(rawWaiting, 1_000);
  const rows: Row[] = [];
  for (const count of sizes) {
    // Pairs of runs, ours then raw, and the median of each figure: one run's collections and
    // pauses of the machine would decide the ratio otherwise. Fewer pairs for the largest size.
    const pairs = count > 10_000 ? 1 : PAIRS;
    const oursRuns: ScaleResult[] = [];
    const rawRuns: ScaleResult[] = [];
    const waitingRuns: ScaleResult[] = [];
    for (let pair = 0; pair < pairs; pair++) {
      oursRuns.push(await measureScale(supervisor, count));
      rawRuns.push(await measureScale(rawIdle, count));
      waitingRuns.push(await measureScale(rawWaiting, count));
    }
    const ours = medianOf(oursRuns);
    const raw = medianOf(rawRuns);
    const waiting = medianOf(waitingRuns);
    const label = `${count.toLocaleString('en-US')} × `;
    log(
      `${SCENARIO}: ${count}: start ${ours.startMs.toFixed(0)} ms (raw ${raw.startMs.toFixed(0)}), ` +
        `shutdown ${ours.shutdownMs.toFixed(0)} ms (raw ${raw.shutdownMs.toFixed(0)}; ` +
        `every supervisor asked after ${ours.askedMs.toFixed(0)} ms), ` +
        `${ours.bytesPerActor.toFixed(0)} B each (raw ${raw.bytesPerActor.toFixed(0)}); ` +
        `raw machines waiting for their child shut down in ${waiting.shutdownMs.toFixed(0)} ms`,
    );
    const subject = `${label}createSupervisor(idle)`;
    const baseline = `baseline: ${label}raw actor invoking an idle promise`;
    rows.push(
      {
        scenario: SCENARIO,
        subject,
        metric: 'start all (ms)',
        value: ours.startMs,
        ratio: ratio(ours.startMs, raw.startMs, 'raw actors'),
        target: { text: '≤ 1.5× raw actors', met: ours.startMs <= 1.5 * raw.startMs },
      },
      {
        scenario: SCENARIO,
        subject: baseline,
        metric: 'start all (ms)',
        value: raw.startMs,
      },
      {
        scenario: SCENARIO,
        subject,
        metric: 'shut all down (ms)',
        value: ours.shutdownMs,
        ratio: ratio(ours.shutdownMs, raw.shutdownMs, 'raw actors'),
        target: { text: '≤ 1.5× raw actors', met: ours.shutdownMs <= 1.5 * raw.shutdownMs },
      },
      {
        scenario: SCENARIO,
        subject: baseline,
        metric: 'shut all down (ms)',
        value: raw.shutdownMs,
      },
      {
        scenario: SCENARIO,
        subject,
        metric: 'shut all down: until every one was asked (ms)',
        value: ours.askedMs,
        ratio: ratio(ours.askedMs, raw.shutdownMs, 'raw actors, whole shutdown'),
      },
      {
        scenario: SCENARIO,
        subject: `baseline: ${label}raw machine that asks its child to stop and waits for it`,
        metric: 'shut all down (ms)',
        value: waiting.shutdownMs,
        ratio: ratio(ours.shutdownMs, waiting.shutdownMs, 'this'),
      },
      {
        scenario: SCENARIO,
        subject,
        metric: 'heap per actor (bytes)',
        value: ours.bytesPerActor,
        ratio: ratio(ours.bytesPerActor, raw.bytesPerActor, 'raw actor'),
        target: {
          text: '≤ 1.3× raw actor',
          met: ours.bytesPerActor <= 1.3 * raw.bytesPerActor,
        },
      },
      {
        scenario: SCENARIO,
        subject: baseline,
        metric: 'heap per actor (bytes)',
        value: raw.bytesPerActor,
      },
    );
  }
  return rows;
}
