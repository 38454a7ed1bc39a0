/**
 * Option validation shared by the supervisor and the group.
 *
 * Plain functions with no XState import. Each check throws a `TypeError` that names the
 * option, the value it got and what is allowed, so a mistake is found where the machine is
 * created, not when a child first fails in production.
 */
import {
  type BackoffPolicy,
  DEFAULT_BACKOFF,
  JITTER_MODES,
  type Jitter,
  MAX_TIMER_MS,
} from './backoff.js';

/**
 * When a stopped child is started again.
 * - `'transient'` (default): only after it failed.
 * - `'permanent'`: after it failed and after it completed.
 * - `'temporary'`: never.
 */
export type RestartType = 'transient' | 'permanent' | 'temporary';

/** The restart types accepted by the `restart` option. */
export const RESTART_TYPES: readonly RestartType[] = ['transient', 'permanent', 'temporary'];

/** A restart limit: more than `count` restarts within `withinMs` makes the supervisor give up. */
export interface MaxRestarts {
  /** Restarts allowed within the window; 0 gives up at the first failure. */
  count: number;
  /** The sliding window, in ms. */
  withinMs: number;
}

/** Describes a value for an error message: strings quoted, objects as JSON where possible. */
export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return `a function${value.name ? ` (${value.name})` : ''}`;
  if (typeof value === 'bigint') return `${value}n`;
  if (value === null || typeof value !== 'object') return String(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/** Throws the library's standard error for a bad option. */
export function invalidOption(
  owner: string,
  field: string,
  value: unknown,
  allowed: string,
): never {
  throw new TypeError(`${owner}: option "${field}" must be ${allowed}; got ${describe(value)}`);
}

/**
 * Checks a duration in ms: a finite number, at least `min`, at most 2^31−1 (Node fires longer
 * timers after 1 ms).
 */
export function checkDuration(owner: string, field: string, value: unknown, min = 0): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > MAX_TIMER_MS) {
    invalidOption(owner, field, value, `a number of milliseconds from ${min} to ${MAX_TIMER_MS}`);
  }
  return value;
}

/** Checks a whole count, at least 0. */
export function checkCount(owner: string, field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    invalidOption(owner, field, value, 'a whole number, 0 or more');
  }
  return value;
}

/** Checks one of a list of names. */
export function checkOneOf<T extends string>(
  owner: string,
  field: string,
  value: unknown,
  allowed: readonly T[],
): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    invalidOption(owner, field, value, `one of ${allowed.map((a) => `"${a}"`).join(', ')}`);
  }
  return value as T;
}

/** Checks a plain object (or undefined). */
export function checkObject(owner: string, field: string, value: unknown): Record<string, unknown> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    invalidOption(owner, field, value, 'an object');
  }
  return value as Record<string, unknown>;
}

/** Fills in and checks a backoff policy. */
export function resolveBackoff(owner: string, value: unknown, field = 'backoff'): BackoffPolicy {
  const given = checkObject(owner, field, value);
  const initialMs = checkDuration(
    owner,
    `${field}.initialMs`,
    given.initialMs ?? DEFAULT_BACKOFF.initialMs,
  );
  const maxMs = checkDuration(
    owner,
    `${field}.maxMs`,
    given.maxMs ?? Math.max(DEFAULT_BACKOFF.maxMs, initialMs),
  );
  if (maxMs < initialMs) {
    invalidOption(owner, `${field}.maxMs`, maxMs, `at least ${field}.initialMs (${initialMs})`);
  }
  const factor = given.factor ?? DEFAULT_BACKOFF.factor;
  if (typeof factor !== 'number' || !Number.isFinite(factor) || factor < 1) {
    invalidOption(owner, `${field}.factor`, factor, 'a finite number of at least 1');
  }
  const jitter: Jitter = checkOneOf(owner, `${field}.jitter`, given.jitter ?? 'none', JITTER_MODES);
  return { initialMs, maxMs, factor, jitter };
}

/** Checks a restart limit; `undefined` or `null` means unlimited. */
export function resolveMaxRestarts(
  owner: string,
  value: unknown,
  field = 'maxRestarts',
): MaxRestarts | null {
  if (value === undefined || value === null) return null;
  const given = checkObject(owner, field, value);
  return {
    count: checkCount(owner, `${field}.count`, given.count),
    withinMs: checkDuration(owner, `${field}.withinMs`, given.withinMs, 1),
  };
}

/**
 * The stable-run period after which the failure count resets. Default: twice `backoff.maxMs`
 * (60 s with the default policy), so a child that fails rarely always restarts quickly, while
 * one that crash-loops keeps its long delays. `false` never resets, as the Rust crate.
 */
export function resolveResetAfter(
  owner: string,
  value: unknown,
  backoff: BackoffPolicy,
): number | false {
  if (value === false) return false;
  if (value === undefined) return Math.min(MAX_TIMER_MS, Math.max(1, backoff.maxMs * 2));
  return checkDuration(owner, 'resetAfterMs', value, 1);
}

/** Default grace period for a child to stop after `shutdown`, in ms (as the Rust crate). */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 30_000;

/** The restart and shutdown settings supervisors and groups share, checked and filled in. */
export interface RestartPolicy {
  backoff: BackoffPolicy;
  maxRestarts: MaxRestarts | null;
  resetAfterMs: number | false;
  shutdownTimeoutMs: number;
  random: () => number;
}

/** Checks and fills in the settings a supervisor and a group share. */
export function resolveRestartPolicy(
  owner: string,
  options: {
    backoff?: unknown;
    maxRestarts?: unknown;
    resetAfterMs?: unknown;
    shutdownTimeoutMs?: unknown;
    random?: unknown;
  },
): RestartPolicy {
  const backoff = resolveBackoff(owner, options.backoff);
  const maxRestarts = resolveMaxRestarts(owner, options.maxRestarts);
  const resetAfterMs = resolveResetAfter(owner, options.resetAfterMs, backoff);
  const shutdownTimeoutMs = checkDuration(
    owner,
    'shutdownTimeoutMs',
    options.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS,
  );
  const random = options.random ?? Math.random;
  if (typeof random !== 'function')
    invalidOption(owner, 'random', random, 'a function returning [0, 1)');
  return { backoff, maxRestarts, resetAfterMs, shutdownTimeoutMs, random: random as () => number };
}

/** Checks an id: a non-empty string, `fallback` when not given. */
export function checkId(owner: string, field: string, value: unknown, fallback: string): string {
  const id = value ?? fallback;
  if (typeof id !== 'string' || id === '') invalidOption(owner, field, id, 'a non-empty string');
  return id;
}

/** The edit distance between two short strings (for suggesting the closest known key). */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}

/**
 * Throws a `TypeError` for the first key of `value` that is not in `known`, naming the key
 * and the closest known one, so a misspelled option is found where it is written.
 *
 * @example
 *
 * ```ts
 * checkKnownKeys('createSupervisor', 'backoff', { intialMs: 5 }, ['initialMs', 'maxMs']);
 * // TypeError: createSupervisor: unknown option "backoff.intialMs" (did you mean "initialMs"?); known: "initialMs", "maxMs"
 * ```
 */
export function checkKnownKeys(
  owner: string,
  field: string,
  value: Record<string, unknown>,
  known: readonly string[],
): void {
  for (const key of Object.keys(value)) {
    if (known.includes(key)) continue;
    let closest = known[0];
    for (const candidate of known) {
      if (distance(key, candidate) < distance(key, closest ?? '')) closest = candidate;
    }
    const path = field === 'options' ? key : `${field}.${key}`;
    throw new TypeError(
      `${owner}: unknown option "${path}"${closest ? ` (did you mean "${closest}"?)` : ''}; known: ${known.map((k) => `"${k}"`).join(', ')}`,
    );
  }
}
