/**
 * Option validation shared by every public function: the supervisor, the group, the Node
 * runtime and the CLI.
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

/**
 * Whether a value can be an option object: an object that is not `null`, an array, a `Date`, a
 * `Map`, a `Set`, a `RegExp` or a `Promise` (those are values, never a set of named options).
 *
 * @example
 *
 * ```ts
 * isOptionObject({ port: 8080 }); // true
 * isOptionObject([]); // false
 * isOptionObject(new Date()); // false
 * ```
 */
export function isOptionObject(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof Date) &&
    !(value instanceof Map) &&
    !(value instanceof Set) &&
    !(value instanceof RegExp) &&
    !(value instanceof Promise)
  );
}

/**
 * Checks an option object ({@link isOptionObject}); `undefined` stands for `{}`.
 *
 * @example
 *
 * ```ts
 * const given = checkObject('startHealthServer', 'options', options);
 * checkObject('createSupervisor', 'backoff', []); // TypeError: … option "backoff" must be an object …
 * ```
 */
export function checkObject(owner: string, field: string, value: unknown): Record<string, unknown> {
  if (value === undefined) return {};
  if (!isOptionObject(value)) {
    invalidOption(owner, field, value, 'an object');
  }
  return value;
}

/**
 * The edit distance between two words (Levenshtein: insertions, deletions and substitutions,
 * each counting 1), ignoring case.
 */
export function editDistance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let previous = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= y.length; j += 1) {
      const substitution = previous[j - 1]! + (x[i - 1] === y[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[y.length]!;
}

/**
 * The known key closest to `key` by {@link editDistance} (the first of equals, in the order
 * given); `undefined` when nothing is known.
 *
 * @example
 *
 * ```ts
 * closestKey('intialMs', ['initialMs', 'maxMs', 'factor', 'jitter']); // 'initialMs'
 * ```
 */
export function closestKey(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const distance = editDistance(key, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/**
 * Rejects the keys of an option object that are not known: a misspelled option would
 * otherwise be ignored and its default used. The `TypeError` names the owner, the option's
 * path (`field.key`, or just `key` when `field` is `'options'`), the closest known key and all
 * known keys. Keys whose value is `undefined` are rejected too: `{ maxRestart: undefined }` is
 * still a typo.
 *
 * @example
 *
 * ```ts
 * checkKnownKeys('createSupervisor', 'backoff', { intialMs: 5000 }, ['initialMs', 'maxMs', 'factor', 'jitter']);
 * // TypeError: createSupervisor: unknown option "backoff.intialMs"; did you mean "backoff.initialMs"?
 * //   The options of "backoff" are: initialMs, maxMs, factor, jitter
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
    const path = (name: string) => (field === 'options' ? name : `${field}.${name}`);
    const closest = closestKey(key, known);
    const hint = closest === undefined ? '' : `; did you mean "${path(closest)}"?`;
    const list =
      known.length === 0
        ? 'it takes no options'
        : `the options of ${field === 'options' ? owner : `"${field}"`} are: ${known.join(', ')}`;
    throw new TypeError(`${owner}: unknown option ${JSON.stringify(path(key))}${hint} (${list})`);
  }
}

/**
 * Checks an option object and its keys at once: {@link checkObject}, then
 * {@link checkKnownKeys}.
 *
 * @example
 *
 * ```ts
 * const given = checkOptions('startHealthServer', 'options', options, ['port', 'host']);
 * ```
 */
export function checkOptions(
  owner: string,
  field: string,
  value: unknown,
  known: readonly string[],
): Record<string, unknown> {
  const given = checkObject(owner, field, value);
  checkKnownKeys(owner, field, given, known);
  return given;
}

/** The keys of a backoff policy. */
const BACKOFF_KEYS = ['initialMs', 'maxMs', 'factor', 'jitter'] as const;

/** Fills in and checks a backoff policy; an unknown key is refused (see {@link checkKnownKeys}). */
export function resolveBackoff(owner: string, value: unknown, field = 'backoff'): BackoffPolicy {
  const given = checkOptions(owner, field, value, BACKOFF_KEYS);
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
  const given = checkOptions(owner, field, value, ['count', 'withinMs']);
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
