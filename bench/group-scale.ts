/**
 * Group scale: a process group with many idle children.
 *
 * For each size, it measures the time to start the group (machine created, actor started, every
 * child running), the time to shut it down gracefully (every child asked to stop, every child
 * ended, the group done), and the heap each idle child costs once started, after forced garbage
 * collection. Targets from the group's issue: 10,000 children start in under 0.5 s and shut down
 * in under 1 s; 100,000 within 10× of that. The targets are reported, never asserted.
 *
 * ```sh
 * node --expose-gc --import tsx bench/group-scale.ts            # 10,000 and 100,000
 * node --expose-gc --import tsx bench/group-scale.ts 1000 20000 # other sizes
 * ```
 */
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { createActor } from 'xstate';
import { createProcessGroup, type GroupOutput, idle } from '../src/index.js';

/** The figures for one size. */
export interface GroupScaleResult {
  children: number;
  /** Creating the machine (checking the n child specs), in ms. */
  createMs: number;
  /** Creating and starting the actor until every child runs, in ms. */
  startMs: number;
  /** From `shutdown` until the group is done with every child stopped, in ms. */
  shutdownMs: number;
  /** Heap growth per running idle child after garbage collection, in bytes. */
  heapBytesPerChild: number;
  /** Targets scaled to this size (10× for 100,000: linear cost). */
  startTargetMs: number;
  shutdownTargetMs: number;
}

/** The targets for 10,000 children; larger groups get them scaled linearly. */
const START_TARGET_MS_PER_10K = 500;
const SHUTDOWN_TARGET_MS_PER_10K = 1_000;

const turn = () => new Promise<void>((done) => setImmediate(done));

async function heapAfterGc(): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc (node --expose-gc --import tsx ...)');
  for (let i = 0; i < 4; i++) {
    gc();
    await turn();
  }
  return process.memoryUsage().heapUsed;
}

/** Starts a group of `n` idle children, measures it, and shuts it down. */
async function measure(n: number): Promise<GroupScaleResult> {
  const heapBefore = await heapAfterGc();

  let t = performance.now();
  const machine = createProcessGroup({
    id: `scale-${n}`,
    children: Array.from({ length: n }, (_, i) => ({ id: `idle-${i}`, logic: idle })),
  });
  const createMs = performance.now() - t;

  t = performance.now();
  const actor = createActor(machine);
  let failure: unknown;
  const done = new Promise<void>((settle) =>
    actor.subscribe({
      complete: () => settle(),
      error: (error) => {
        failure = error;
        settle();
      },
    }),
  );
  actor.start();
  const running = actor.getSnapshot().context.running;
  const startMs = performance.now() - t;
  if (running !== n) throw new Error(`expected ${n} running children, found ${running}`);

  const heapBytesPerChild = ((await heapAfterGc()) - heapBefore) / n;

  t = performance.now();
  actor.send({ type: 'shutdown' });
  await done;
  const shutdownMs = performance.now() - t;
  if (failure) throw failure;
  const output = actor.getSnapshot().output as GroupOutput;
  if (output.stopped.length !== n || output.forced.length !== 0) {
    throw new Error(
      `expected ${n} children stopped in time, got ${output.stopped.length} stopped and ${output.forced.length} forced`,
    );
  }

  const scale = Math.max(1, n / 10_000);
  return {
    children: n,
    createMs,
    startMs,
    shutdownMs,
    heapBytesPerChild,
    startTargetMs: START_TARGET_MS_PER_10K * scale,
    shutdownTargetMs: SHUTDOWN_TARGET_MS_PER_10K * scale,
  };
}

/** The median of each figure over several runs of one size. */
function medianOf(runs: readonly GroupScaleResult[]): GroupScaleResult {
  const median = (pick: (r: GroupScaleResult) => number) => {
    const sorted = runs.map(pick).sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)]!;
  };
  return {
    ...runs[0]!,
    createMs: median((r) => r.createMs),
    startMs: median((r) => r.startMs),
    shutdownMs: median((r) => r.shutdownMs),
    heapBytesPerChild: median((r) => r.heapBytesPerChild),
  };
}

/**
 * Measures a group of idle children for each size, smallest first, after a warm-up run. Each
 * figure is the median of `runs` runs (default: 5 up to 10,000 children, 1 above), since a
 * shared machine makes single timings noisy.
 *
 * @example
 *
 * ```ts
 * const [tenK, hundredK] = await runGroupScale([10_000, 100_000]);
 * console.log(tenK.startMs, hundredK.shutdownMs);
 * ```
 */
export async function runGroupScale(
  sizes: readonly number[] = [10_000, 100_000],
  { runs }: { runs?: number } = {},
): Promise<GroupScaleResult[]> {
  // Warm-up: let the JIT compile the start and shutdown paths.
  await measure(10_000);
  const results: GroupScaleResult[] = [];
  for (const n of [...sizes].sort((a, b) => a - b)) {
    const repeat = runs ?? (n <= 10_000 ? 5 : 1);
    const measured: GroupScaleResult[] = [];
    for (let i = 0; i < repeat; i++) measured.push(await measure(n));
    results.push(medianOf(measured));
  }
  return results;
}

/** The results as a small text table. */
export function formatGroupScale(results: readonly GroupScaleResult[]): string {
  const ms = (value: number) => `${value.toFixed(0)} ms`;
  const versus = (value: number, target: number) =>
    `${ms(value)} (${value < target ? 'under' : 'OVER'} ${ms(target)})`;
  const rows = [
    ['children', 'create', 'start', 'shutdown', 'heap/child'],
    ...results.map((r) => [
      r.children.toLocaleString('en-US'),
      ms(r.createMs),
      versus(r.startMs, r.startTargetMs),
      versus(r.shutdownMs, r.shutdownTargetMs),
      `${Math.round(r.heapBytesPerChild).toLocaleString('en-US')} B`,
    ]),
  ];
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((row) => row[col]!.length)));
  return rows
    .map((row) => row.map((cell, col) => cell.padStart(widths[col]!)).join('  '))
    .join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const sizes = process.argv
    .slice(2)
    .map(Number)
    .filter((n) => Number.isInteger(n) && n > 0);
  const results = await runGroupScale(sizes.length > 0 ? sizes : undefined);
  console.log(
    'Process group with idle children (median of runs; start: every child running; shutdown: graceful)',
  );
  console.log(formatGroupScale(results));
}
