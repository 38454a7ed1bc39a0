/**
 * Benchmark harness: what every scenario shares.
 *
 * A scenario returns {@link Row}s (one per figure, ours and the baselines'), which the table
 * printer and the report writer lay out. Memory is read after forced garbage collection, so the
 * benchmarks run under `node --expose-gc`.
 */
import { performance } from 'node:perf_hooks';
import type { Ratio } from './ratio.js';

export { atLeastFactor, ratio, withinFactor } from './ratio.js';

/** A target a figure is held against (reported, never asserted). */
export interface Target {
  /** As written in the report, e.g. `≥ 1.0× raw XState machine`. */
  text: string;
  met: boolean;
}

/** One figure of one scenario. */
export interface Row {
  /** A stable name to look the figure up by (the comparison with the seed crate uses it). */
  key?: string;
  /** The scenario, e.g. `1. restart throughput`. */
  scenario: string;
  /** What was measured: ours, or a baseline (`baseline: while loop`). */
  subject: string;
  /** The metric, e.g. `restarts/s`, `start (ms)`. */
  metric: string;
  value: number;
  /** Ours divided by this row's reference, with the reference's name (none if it is ~0). */
  ratio?: Ratio;
  target?: Target;
  /** A short remark printed beside the figure. */
  note?: string;
}

/** Options every scenario receives. */
export interface BenchOptions {
  /** Smaller sizes, for a quick look. */
  quick: boolean;
  /** Progress lines go here. */
  log: (line: string) => void;
}

/** Forces a full garbage collection (several passes, with turns of the event loop between). */
export async function collectGarbage(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run the benchmarks with node --expose-gc (npm run bench)');
  for (let i = 0; i < 4; i++) {
    gc();
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** Heap in use after a full garbage collection, in bytes. */
export async function heapAfterGc(): Promise<number> {
  await collectGarbage();
  return process.memoryUsage().heapUsed;
}

/** Milliseconds since an arbitrary origin, sub-millisecond. */
export const now = (): number => performance.now();

/** Times an async function, in ms. */
export async function timed(fn: () => Promise<unknown> | unknown): Promise<number> {
  const start = now();
  await fn();
  return now() - start;
}

/** The `p`-th percentile (0–100) of the values, nearest rank. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

/** The median of the values. */
export const median = (values: readonly number[]): number => percentile(values, 50);

/** Lets pending callbacks run: one turn of the event loop. */
export const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
