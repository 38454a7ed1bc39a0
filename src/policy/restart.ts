/**
 * Restart decisions: pure functions of plain data, shared by the supervisor and the group.
 *
 * What happens when a child ends on its own (restart it, drop it, give up), which children a
 * group strategy stops and restarts with it, and whether a restart limit is passed, are
 * decided here, with no XState import and no clock, so each rule is tested on its own. The
 * supervision runtime (`runtime/`) carries the decisions out; the machines show them.
 */
import type { MaxRestarts, RestartType } from './options.js';

/** How a group reacts to a failed child. */
export type GroupStrategy = 'fail-fast' | 'one-for-one' | 'one-for-all' | 'rest-for-one';
/** The strategies accepted by a group's `strategy` option. */
export const GROUP_STRATEGIES: readonly GroupStrategy[] = [
  'fail-fast',
  'one-for-one',
  'one-for-all',
  'rest-for-one',
];
/** How a group stops its children. */
export type ShutdownOrder = 'parallel' | 'reverse';
/** The orders accepted by a group's `shutdownOrder` option. */
export const SHUTDOWN_ORDERS: readonly ShutdownOrder[] = ['parallel', 'reverse'];
/**
 * How a group starts its children: all at once, or each once the one before is ready.
 *
 * @example
 *
 * ```ts
 * const order: StartOrder = 'sequential'; // createGroup({ ... }, { startOrder: order })
 * ```
 */
export type StartOrder = 'together' | 'sequential';
/**
 * The orders accepted by a group's `startOrder` option.
 *
 * @example
 *
 * ```ts
 * START_ORDERS.includes('sequential'); // true
 * ```
 */
export const START_ORDERS: readonly StartOrder[] = ['together', 'sequential'];

/** Why supervision of a child ends in failure. */
export type GiveUpReason = 'max-restarts' | 'not-restartable' | 'temporary' | 'child-failed';

/** What to do about a child that ended on its own. */
export type ExitDecision =
  | { kind: 'restart' }
  | { kind: 'drop' }
  | { kind: 'give-up'; reason: GiveUpReason };

/** The facts an exit decision is made from. */
export interface ExitFacts {
  /** The child failed (true) or completed (false). */
  failed: boolean;
  restart: RestartType;
  /**
   * `'supervisor'`: one child, whose failure as a temporary child, or a failure that is not
   * worth a restart, ends supervision. `'fail-fast'`: a group whose first failure ends it.
   * `'group'`: a group with an OTP strategy, where an unrestarted child is simply dropped.
   */
  scope: 'supervisor' | 'fail-fast' | 'group';
  /** `shouldRestart(error, failures)` said no, or threw. */
  notWorthIt: boolean;
  /** Restarts counted inside the restart window, before this failure. */
  recentRestarts: number;
  maxRestarts: MaxRestarts | null;
}

/**
 * Decides what happens to a child that ended on its own.
 *
 * - A completed child is restarted only when it is `'permanent'`; otherwise it is dropped.
 * - A failed child: under fail-fast, or when `shouldRestart` said no, supervision gives up. A
 *   `'temporary'` child is never restarted: a supervisor gives up (`'temporary'`), a group drops
 *   it. A restart that would be the `count + 1`-th inside the window gives up
 *   (`'max-restarts'`), as OTP's intensity and period: the restart is counted when the failure
 *   that needs it happens.
 *
 * @example
 *
 * ```ts
 * decideExit({ failed: true, restart: 'transient', scope: 'supervisor', notWorthIt: false,
 *   recentRestarts: 3, maxRestarts: { count: 3, withinMs: 1_000 } });
 * // { kind: 'give-up', reason: 'max-restarts' }
 * ```
 */
export function decideExit(facts: ExitFacts): ExitDecision {
  const { failed, restart, scope, maxRestarts } = facts;
  if (failed && scope === 'fail-fast') return { kind: 'give-up', reason: 'child-failed' };
  if (failed && facts.notWorthIt) return { kind: 'give-up', reason: 'not-restartable' };
  const restartIt = restart === 'permanent' || (failed && restart === 'transient');
  if (!restartIt) {
    if (failed && scope === 'supervisor') return { kind: 'give-up', reason: 'temporary' };
    return { kind: 'drop' };
  }
  if (maxRestarts && facts.recentRestarts >= maxRestarts.count) {
    return { kind: 'give-up', reason: 'max-restarts' };
  }
  return { kind: 'restart' };
}

/** A child as a strategy sees it. */
export interface StrategyMember {
  id: string;
  /** Running and not part of a restart round already. */
  running: boolean;
  restart: RestartType;
}

/**
 * The children a group stops and restarts when `failedId` must be restarted, in start order:
 * the failed child alone (one-for-one; fail-fast for a completed permanent child), every
 * running child (one-for-all), or the failed child and the running children started after it
 * (rest-for-one). Children already waiting in another round are left to it.
 *
 * @example
 *
 * ```ts
 * restartRound('rest-for-one', [
 *   { id: 'db', running: true, restart: 'permanent' },
 *   { id: 'api', running: true, restart: 'transient' },
 *   { id: 'web', running: true, restart: 'transient' },
 * ], 'api'); // ['api', 'web']
 * ```
 */
export function restartRound(
  strategy: GroupStrategy,
  members: Iterable<StrategyMember>,
  failedId: string,
): string[] {
  if (strategy === 'one-for-one' || strategy === 'fail-fast') return [failedId];
  const round: string[] = [];
  let after = strategy === 'one-for-all';
  for (const member of members) {
    if (member.id === failedId) {
      after = true;
      round.push(member.id);
    } else if (after && member.running) round.push(member.id);
  }
  return round;
}

/**
 * What a child stopped for a sibling's round becomes: a `'temporary'` child is dropped (OTP
 * never restarts it), any other waits to be restarted with the round.
 *
 * @example
 *
 * ```ts
 * afterRoundStop('temporary'); // 'drop'
 * ```
 */
export function afterRoundStop(restart: RestartType): 'drop' | 'restart' {
  return restart === 'temporary' ? 'drop' : 'restart';
}

/**
 * Restarts counted inside a sliding window, kept with a bounded number of timers.
 *
 * Each counted restart leaves the window `withinMs` after its failure. For limits of up to
 * {@link EXACT_WINDOW_LIMIT} restarts, each restart has its own expiry, exactly; no more than
 * `count + 1` can be pending, since one more gives up. Above that, restarts that happen within
 * `withinMs / BUCKETS` of each other share a bucket: when a bucket opens, it asks for two
 * timers at once, one that closes it a bucket width later and one that expires all its
 * restarts a window plus a bucket width later. A restart then stays counted up to 1/64 of the
 * window longer (never shorter), no more than `2 × (BUCKETS + 1)` timers are pending, whatever
 * the rate, and when an expiry comes does not depend on when the close timer happened to fire
 * (a simulated clock that jumps fires both late, together).
 */
export interface RestartWindow {
  /** Restarts inside the window. */
  count: number;
  /** The bucket new restarts join (bucketed windows), while it is open. */
  bucket: WindowBucket | null;
}

/** Restarts that leave the window together. */
export interface WindowBucket {
  count: number;
}

/** Limits up to this many restarts keep one exact expiry per restart. */
export const EXACT_WINDOW_LIMIT = 64;
/** Buckets a larger window is divided into. */
export const WINDOW_BUCKETS = 64;

/** A timer the window asks for. */
export type WindowTimer =
  | { kind: 'expire'; bucket: WindowBucket; delayMs: number }
  | { kind: 'close'; bucket: WindowBucket; delayMs: number };

/**
 * Counts one restart; returns the timers to schedule for it (none when it joins an open
 * bucket).
 *
 * @example
 *
 * ```ts
 * const window = { count: 0, bucket: null };
 * countRestart(window, { count: 3, withinMs: 1_000 });
 * // [{ kind: 'expire', bucket: { count: 1 }, delayMs: 1000 }]
 * ```
 */
export function countRestart(window: RestartWindow, max: MaxRestarts): WindowTimer[] {
  window.count++;
  if (max.count <= EXACT_WINDOW_LIMIT) {
    return [{ kind: 'expire', bucket: { count: 1 }, delayMs: max.withinMs }];
  }
  if (window.bucket) {
    window.bucket.count++;
    return [];
  }
  const bucket: WindowBucket = { count: 1 };
  window.bucket = bucket;
  const width = Math.max(1, Math.ceil(max.withinMs / WINDOW_BUCKETS));
  return [
    { kind: 'close', bucket, delayMs: width },
    { kind: 'expire', bucket, delayMs: max.withinMs + width },
  ];
}

/**
 * A bucket closes: the next restart opens a new one.
 *
 * @example
 *
 * ```ts
 * closeBucket(window, bucket);
 * ```
 */
export function closeBucket(window: RestartWindow, bucket: WindowBucket): void {
  if (window.bucket === bucket) window.bucket = null;
}

/**
 * Restarts leave the window.
 *
 * @example
 *
 * ```ts
 * const window = { count: 2, bucket: null };
 * expireRestarts(window, 1); // window.count is 1
 * ```
 */
export function expireRestarts(window: RestartWindow, count: number): void {
  window.count = Math.max(0, window.count - count);
}
