/**
 * Backoff policy: how long a supervisor waits before it starts a failed child again.
 *
 * Pure functions with no XState import, so the arithmetic can be tested on its own. The
 * supervisor machine calls {@link backoffDelay} when a child fails and hands the result to
 * XState's scheduler as a named delay.
 */

/** How a computed delay is randomized. See {@link backoffDelay} for the formulas. */
export type Jitter = 'none' | 'full' | 'equal' | 'decorrelated';

/** The jitter modes accepted by {@link BackoffPolicy.jitter}. */
export const JITTER_MODES: readonly Jitter[] = ['none', 'full', 'equal', 'decorrelated'];

/**
 * Exponential backoff settings.
 *
 * @example
 *
 * ```ts
 * const policy: BackoffPolicy = { initialMs: 100, maxMs: 10_000, factor: 2, jitter: 'full' };
 * ```
 */
export interface BackoffPolicy {
  /** Delay after the first failure, in ms. Default 200 (as the Rust `processmanager` crate). */
  initialMs: number;
  /** Upper bound of every delay, jitter included, in ms. Default 30,000. */
  maxMs: number;
  /** Growth per further failure; at least 1. Default 2. */
  factor: number;
  /** Randomization of the delay. Default `'none'`. */
  jitter: Jitter;
}

/**
 * The default policy: 200 ms, doubling, capped at 30 s, no jitter.
 *
 * @example
 *
 * ```ts
 * backoffDelay(DEFAULT_BACKOFF, 3); // 800
 * ```
 */
export const DEFAULT_BACKOFF: Readonly<BackoffPolicy> = Object.freeze({
  initialMs: 200,
  maxMs: 30_000,
  factor: 2,
  jitter: 'none',
});

/**
 * The largest delay a timer can wait. Node fires a timer of more than 2^31−1 ms after 1 ms, so
 * larger durations are refused by option validation.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The delay before restart number `failures`, in ms.
 *
 * - `failures <= 0` gives 0.
 * - Without jitter, `failures = n` gives `min(initialMs × factor^(n−1), maxMs)`; the result never
 *   overflows to `Infinity` or `NaN`, however large `n` is.
 * - `'full'` jitter: `random(0, d)`; `'equal'`: `d/2 + random(0, d/2)`; `'decorrelated'`:
 *   `min(maxMs, random(initialMs, previousMs × 3))`, where `previousMs` is the delay chosen
 *   before (`initialMs` when there is none). Every jittered delay stays within `[0, maxMs]`.
 *
 * @param policy - The backoff settings.
 * @param failures - Failures counted so far, the one being handled included.
 * @param random - A source of numbers in `[0, 1)`; `Math.random` by default. Values outside
 *   that range are clamped into it.
 * @param previousMs - The delay chosen for the previous failure, for `'decorrelated'` jitter.
 * @returns The delay in milliseconds.
 *
 * @example
 *
 * ```ts
 * import { backoffDelay } from 'xstate-supervisor';
 *
 * const policy = { initialMs: 200, maxMs: 30_000, factor: 2, jitter: 'none' } as const;
 * backoffDelay(policy, 0); // 0
 * backoffDelay(policy, 1); // 200
 * backoffDelay(policy, 4); // 1600
 * backoffDelay(policy, 1e9); // 30000
 * ```
 */
export function backoffDelay(
  policy: BackoffPolicy,
  failures: number,
  random: () => number = Math.random,
  previousMs?: number,
): number {
  if (!(failures >= 1)) return 0;
  const { initialMs, maxMs, jitter } = policy;
  const factor = Math.max(1, policy.factor);
  switch (jitter) {
    case 'full':
      return Math.min(maxMs, unit(random) * exponential(initialMs, maxMs, factor, failures));
    case 'equal': {
      const d = exponential(initialMs, maxMs, factor, failures);
      return Math.min(maxMs, d / 2 + (unit(random) * d) / 2);
    }
    case 'decorrelated': {
      const previous = previousMs !== undefined && previousMs > 0 ? previousMs : initialMs;
      const low = Math.min(initialMs, maxMs);
      const high = Math.max(low, Math.min(maxMs, previous * 3));
      return Math.min(maxMs, low + unit(random) * (high - low));
    }
    default:
      return exponential(initialMs, maxMs, factor, failures);
  }
}

/** `min(initial × factor^(failures−1), max)` without overflow. */
function exponential(initialMs: number, maxMs: number, factor: number, failures: number): number {
  if (initialMs <= 0) return 0;
  if (initialMs >= maxMs) return maxMs;
  if (factor === 1) return initialMs; // 1 ** Infinity is NaN
  const delay = initialMs * factor ** (failures - 1);
  return Number.isFinite(delay) && delay < maxMs ? delay : maxMs;
}

function unit(random: () => number): number {
  const r = random();
  if (!(r > 0)) return 0; // NaN and negatives
  return r >= 1 ? 1 - Number.EPSILON : r;
}
