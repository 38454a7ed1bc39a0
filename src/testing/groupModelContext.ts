/**
 * The group model's state: its phases, what each child is doing, the restart rounds of its
 * strategy, the restart window and the shutdown report so far, the events that move it, and the
 * ms until its next timer.
 */
import type { GroupStopReason } from '../machines/group.js';

/** The group's phases as the model names them. */
export type GroupPhase =
  | 'running.active'
  | 'running.stopping'
  | 'running.failing'
  | 'stopped'
  | 'failed';

/** The phases of the group model, the initial one first. */
export const GROUP_PHASES: readonly GroupPhase[] = [
  'running.active',
  'running.stopping',
  'running.failing',
  'stopped',
  'failed',
];

/**
 * What a child of the modelled group is doing; `'waiting'` while a child it depends on is not
 * ready (not started); `'gone'` once it has left the group.
 */
export type GroupModelChildStatus = 'running' | 'stopping' | 'backingOff' | 'waiting' | 'gone';

/** One child in the group model's context. */
export interface GroupModelChild {
  id: string;
  status: GroupModelChildStatus;
  /** Why it is stopping: for a restart round, or because the group drains. */
  purpose: 'restart' | 'drain' | null;
  /** Its failure count, as its backoff counts it. */
  failures: number;
  /** Runs started so far. */
  runs: number;
  /** Ms left of its grace period, while stopping. */
  graceMs: number | null;
  /** Ms left until a stable run resets its failure count. */
  stableMs: number | null;
  /** The restart round it belongs to (the id of the child whose end started it). */
  round: string | null;
  /** Its run counts as ready (a running child that does not signal readiness is). */
  ready: boolean;
  /** Ms left until its run, not ready yet, fails (with `signalsReady`). */
  readyMs: number | null;
  /** While `'waiting'`: the start it waits for is a restart. */
  waitRestart: boolean;
}

/** Children stopped together to start again together (one round of a strategy). */
export interface GroupModelRound {
  /** The id of the child whose failure (or completion) started the round. */
  id: string;
  members: string[];
  /** Members still stopping; the backoff starts once none is. */
  pending: number;
  delayMs: number;
  /** Ms left of the backoff, once it has started. */
  leftMs: number | null;
}

/** The group model's context. */
export interface GroupModelContext {
  phase: GroupPhase;
  /** The children, in start order. */
  children: GroupModelChild[];
  rounds: GroupModelRound[];
  /** For each restart still inside the `maxRestarts` window, the ms until it leaves it. */
  windowMs: number[];
  /** Children to stop one by one, last first (`shutdownOrder: 'reverse'`). */
  stopQueue: string[];
  /** Children started again, as the group's `context.restarts`. */
  restarts: number;
  /** Child failures while active, as the group's `context.failures`. */
  failures: number;
  /** The shutdown report so far. */
  stopped: string[];
  forced: string[];
  /** Why the group stopped, once `stopped`. */
  reason: GroupStopReason | null;
  /** Why and for whom the group gives up. */
  gaveUp: { reason: 'child-failed' | 'max-restarts'; childId: string } | null;
}

/** Events of the group model. `<id>` is a child's id. */
export type GroupModelEvent =
  | { type: `${string}.fails` }
  | { type: `${string}.completes` }
  /** The child sends its group `{ type: 'supervisor.healthy' }`: its failure count resets. */
  | { type: `${string}.reportsHealthy` }
  /** The child sends its group `{ type: 'supervisor.ready' }` (with `signalsReady`). */
  | { type: `${string}.becomesReady` }
  | { type: 'advance'; ms?: number }
  | { type: 'shutdown' }
  | { type: 'forceShutdown' }
  | { type: 'reload' }
  | { type: 'message' };

export const OUTCOMES: readonly GroupPhase[] = ['stopped', 'failed'];

/**
 * The ms until the group's next timer in a model state (a grace period, a round's backoff, a
 * stable-run reset, a restart leaving the window), or `undefined` when none is pending.
 *
 * @example
 *
 * ```ts
 * groupNextTimerMs(path.state.context); // 500 while a child is stopping with a 500 ms grace period
 * ```
 */
export function groupNextTimerMs(c: GroupModelContext): number | undefined {
  const all: number[] = [...c.windowMs];
  for (const child of c.children) {
    if (child.graceMs !== null) all.push(child.graceMs);
    if (child.stableMs !== null) all.push(child.stableMs);
    if (child.readyMs !== null) all.push(child.readyMs);
  }
  for (const round of c.rounds) if (round.leftMs !== null) all.push(round.leftMs);
  return all.length === 0 ? undefined : Math.min(...all);
}
