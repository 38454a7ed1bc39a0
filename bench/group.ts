/**
 * Scenario 3: group shutdown latency with 1, 1,000 and 10,000 idle children, and the group's
 * start and shutdown targets at 10,000 (and 100,000) children.
 *
 * Shutdown latency: from `shutdown` sent until the group is done with every child stopped in
 * time, the median of several runs. Start and shutdown at 10,000 and 100,000 children, and the
 * heap per child, come from `runGroupScale` (bench/group-scale.ts). Baselines: for one child,
 * one minimal raw XState machine invoking an idle promise, sent `shutdown` the same way, in
 * alternation with the group (the group's fixed cost against XState's own: an
 * `AbortController` alone takes about 10 µs, too close to nothing to divide by); for 1,000
 * and 10,000 children, that many
 * `AbortController`s, each with a promise that resolves on abort, aborted in a loop and
 * awaited with `Promise.all`.
 */
import { type AnyStateMachine, createActor } from 'xstate';
import { createProcessGroup, idle } from '../src/index.js';
import { type GroupScaleResult, runGroupScale } from './group-scale.js';
import { type BenchOptions, median, now, type Row, ratio, turn, withinFactor } from './harness.js';
import { rawIdle } from './scale.js';

const SCENARIO = '3. group shutdown latency';
const SCALE = '3b. group start and shutdown at scale';
/** A shutdown under 5 µs is timer noise: no ratio to a baseline under it (see bench/ratio.ts). */
const NOISE_FLOOR_MS = 0.005;

/** Aborts `count` controllers and waits for every promise that waits on one: ms. */
async function abortAll(count: number): Promise<number> {
  const controllers: AbortController[] = new Array(count);
  const promises: Promise<void>[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const controller = new AbortController();
    controllers[i] = controller;
    promises[i] = new Promise<void>((resolve) => {
      controller.signal.addEventListener('abort', () => resolve(), { once: true });
    });
  }
  const start = now();
  for (const controller of controllers) controller.abort();
  await Promise.all(promises);
  return now() - start;
}

async function baseline(count: number, reps: number): Promise<number> {
  await abortAll(count);
  const times: number[] = [];
  for (let i = 0; i < reps; i++) times.push(await abortAll(count));
  return median(times);
}

/** One start and shutdown of an actor of `machine`: ms from `shutdown` sent until it is done. */
async function shutdownOnce(machine: AnyStateMachine): Promise<number> {
  const actor = createActor(machine);
  const done = new Promise<void>((resolve) => actor.subscribe({ complete: () => resolve() }));
  actor.start();
  await turn();
  const start = now();
  actor.send({ type: 'shutdown' });
  await done;
  return now() - start;
}

/**
 * An actor of `machine` started and shut down `reps` times (after one warm-up run): the median
 * time from `shutdown` sent until it is done. Measured here rather than with `runGroupScale`,
 * which collects garbage between start and shutdown (for its heap figure): that adds a few tens
 * of ms of cold caches to the shutdown, which the baselines do not pay.
 */
async function shutdownMedian(machine: AnyStateMachine, reps: number): Promise<number> {
  const times: number[] = [];
  await shutdownOnce(machine);
  for (let i = 0; i < reps; i++) times.push(await shutdownOnce(machine));
  return median(times);
}

/**
 * Both machines' median shutdown, measured in alternation (`ours`, then `raw`, `reps` times,
 * after one warm-up each): a pause of the machine, a collection or a neighbour's load falls on
 * both alike, not on whichever ran second.
 */
async function pairedShutdownMedians(
  ours: AnyStateMachine,
  raw: AnyStateMachine,
  reps: number,
): Promise<{ ours: number; raw: number }> {
  const oursTimes: number[] = [];
  const rawTimes: number[] = [];
  await shutdownOnce(ours);
  await shutdownOnce(raw);
  for (let i = 0; i < reps; i++) {
    oursTimes.push(await shutdownOnce(ours));
    rawTimes.push(await shutdownOnce(raw));
  }
  return { ours: median(oursTimes), raw: median(rawTimes) };
}

/** A group of `count` idle children. */
function groupOf(count: number): AnyStateMachine {
  return createProcessGroup({
    id: 'latency',
    children: Array.from({ length: count }, (_, i) => ({ id: `idle-${i}`, logic: idle })),
  });
}

/** A group of `count` idle children, started and shut down `reps` times: median shutdown. */
function groupShutdown(count: number, reps: number): Promise<number> {
  return shutdownMedian(groupOf(count), reps);
}

/** The median figures of repeated runs of one size. */
function medians(results: readonly GroupScaleResult[]): GroupScaleResult[] {
  const bySize = new Map<number, GroupScaleResult[]>();
  for (const result of results) {
    bySize.set(result.children, [...(bySize.get(result.children) ?? []), result]);
  }
  return [...bySize.values()].map((runs) => ({
    ...runs[0]!,
    startMs: median(runs.map((run) => run.startMs)),
    shutdownMs: median(runs.map((run) => run.shutdownMs)),
    heapBytesPerChild: median(runs.map((run) => run.heapBytesPerChild)),
  }));
}

export async function runGroup({ quick, log }: BenchOptions): Promise<Row[]> {
  const rows: Row[] = [];
  const latencyReps = (count: number) => (count > 1_000 ? 3 : 9);
  await groupShutdown(2_000, 2);

  // One child: against one raw XState machine shut down the same way.
  const oneReps = quick ? 200 : 1_000;
  const group = groupOf(1);
  await pairedShutdownMedians(group, rawIdle, 100);
  const { ours: one, raw } = await pairedShutdownMedians(group, rawIdle, oneReps);
  log(`${SCENARIO}: 1: group ${one.toFixed(3)} ms, raw machine ${raw.toFixed(3)} ms`);
  rows.push(
    {
      scenario: SCENARIO,
      key: 'group.1.shutdown',
      subject: 'group of 1 idle child',
      metric: 'shutdown (ms)',
      value: one,
      ratio: ratio(one, raw, 'raw machine', NOISE_FLOOR_MS),
      target: {
        text: '≤ 2× raw machine',
        met: withinFactor(one, raw, 2, NOISE_FLOOR_MS),
      },
    },
    {
      scenario: SCENARIO,
      subject: 'baseline: 1 raw machine invoking an idle promise',
      metric: 'shutdown (ms)',
      value: raw,
    },
  );

  for (const count of [1_000, 10_000]) {
    const shutdownMs = await groupShutdown(count, latencyReps(count));
    const abort = await baseline(count, count > 1_000 ? 3 : 20);
    const size = count.toLocaleString('en-US');
    log(
      `${SCENARIO}: ${size}: group ${shutdownMs.toFixed(2)} ms, Promise.all ${abort.toFixed(2)} ms`,
    );
    rows.push(
      {
        scenario: SCENARIO,
        subject: `group of ${size} idle children`,
        metric: 'shutdown (ms)',
        value: shutdownMs,
        ratio: ratio(shutdownMs, abort, 'Promise.all', NOISE_FLOOR_MS),
        target: {
          text: '≤ 2× Promise.all baseline',
          met: withinFactor(shutdownMs, abort, 2, NOISE_FLOOR_MS),
        },
      },
      {
        scenario: SCENARIO,
        subject: `baseline: abort ${size} AbortControllers + Promise.all`,
        metric: 'shutdown (ms)',
        value: abort,
      },
    );
  }

  // Start and shutdown at scale, with the heap per child, from bench/group-scale.ts.
  const sizes = [10_000, 10_000, 10_000, ...(quick ? [] : [100_000])];
  const results = medians(await runGroupScale(sizes, { runs: quick ? 1 : 3 }));
  for (const result of results) {
    if (result.children < 10_000) continue;
    const size = result.children.toLocaleString('en-US');
    log(
      `${SCALE}: ${size}: start ${result.startMs.toFixed(0)} ms, shutdown ${result.shutdownMs.toFixed(0)} ms, ` +
        `${result.heapBytesPerChild.toFixed(0)} B per child`,
    );
    const seed =
      result.children === 10_000
        ? { start: 107, shutdown: 335 }
        : result.children === 100_000
          ? { start: 1_000, shutdown: 3_800 }
          : null;
    rows.push(
      {
        scenario: SCALE,
        subject: `group of ${size} idle children`,
        key: `group.${result.children}.start`,
        metric: 'start (ms)',
        value: result.startMs,
        ...(seed ? { ratio: ratio(result.startMs, seed.start, 'seed crate') } : {}),
        target: {
          text: `< ${result.startTargetMs.toLocaleString('en-US')} ms`,
          met: result.startMs < result.startTargetMs,
        },
      },
      {
        scenario: SCALE,
        subject: `group of ${size} idle children`,
        key: `group.${result.children}.shutdown`,
        metric: 'shutdown (ms)',
        value: result.shutdownMs,
        ...(seed ? { ratio: ratio(result.shutdownMs, seed.shutdown, 'seed crate') } : {}),
        target: {
          text: `< ${result.shutdownTargetMs.toLocaleString('en-US')} ms`,
          met: result.shutdownMs < result.shutdownTargetMs,
        },
      },
      {
        scenario: SCALE,
        subject: `group of ${size} idle children`,
        key: `group.${result.children}.heap`,
        metric: 'heap per child (bytes)',
        value: result.heapBytesPerChild,
      },
    );
  }
  return rows;
}
