/**
 * The data of the supervision runtime: what a supervisor or group keeps about its children.
 *
 * A supervisor (one child) and a group (many) each run one runtime inside their own actor (see
 * `embed.ts`). This file holds the shapes only; each concept that changes them has its own
 * module: `messages.ts` (what is kept, delivered and dropped), `relay.ts` (what a child sends
 * up), `runs.ts` (starting and stopping runs), `timers.ts` (the scheduler, by identity),
 * `grace.ts` (shared grace periods), `drain.ts` (shutting down), `exits.ts` (a child that
 * ended on its own), `report.ts` (what the machine hears), `persist.ts` (persistence) and
 * `handle.ts` (the runtime's own events and the machine's commands). What only a group does
 * (`groupRuntime.ts`: restart rounds, start order, restarts on request, `add` and `remove`)
 * is reached through its config.
 */
import type { AnyActorLogic, AnyActorRef, AnyEventObject, EventObject } from 'xstate';
import type { LifecycleEvent } from '../lifecycle.js';
import type { BackoffPolicy } from '../policy/backoff.js';
import type { MaxRestarts, RestartType } from '../policy/options.js';
import type {
  GiveUpReason,
  GroupStrategy,
  RestartWindow,
  ShutdownOrder,
} from '../policy/restart.js';

/** A child, resolved and checked. */
export interface ChildSpec {
  /** Its id; `undefined` for a supervisor's child named after the supervisor's own actor id. */
  id: string | undefined;
  logic: AnyActorLogic;
  /**
   * The child's input, made at each start from the owner's own input (it may throw: the
   * start then fails).
   */
  input: (ownerInput: unknown) => unknown;
  restart: RestartType;
  shutdownTimeoutMs: number;
  /** Stopped by sending `shutdown` and waiting (true), or at once (false). */
  graceful: boolean;
  /**
   * The child says when it is ready (`supervisor.ready`); until then it is started but not
   * ready. False: ready once started.
   */
  signalsReady: boolean;
  /** How long a child that signals readiness may take before that is a failure, in ms. */
  readyTimeoutMs: number;
  /** Ids of the children that must be ready before this one starts (a group's). */
  dependsOn: readonly string[];
}

/** The settings a runtime works by. */
export interface RuntimeConfig {
  /** The supervisor's or group's id, as lifecycle events name it. */
  ownerId: string;
  /**
   * `'supervisor'`: one child; a restart that has to wait is left to the machine (it shows the
   * wait as `backingOff` and asks for the start); a failure the policy will not restart ends
   * supervision. `'group'`: many children under `strategy`, with the runtime's own timers.
   */
  mode: 'supervisor' | 'group';
  strategy: GroupStrategy;
  backoff: BackoffPolicy;
  maxRestarts: MaxRestarts | null;
  resetAfterMs: number | false;
  shutdownOrder: ShutdownOrder;
  random: () => number;
  /** Decides whether an error is worth a restart (supervisor). */
  shouldRestart?: (error: unknown, failures: number) => boolean;
  /** Event types a child may send up that the machine handles itself. */
  controls: ReadonlySet<string>;
  /** Messages kept per child for its next run; older ones are dropped beyond this. */
  maxPending: number;
  /** Zero-delay restarts in a row before the supervisor yields to the event loop. */
  immediateBeforeYield: number;
  /** The children started with the owner. */
  initial: readonly ChildSpec[];
  /** Renew the owner's snapshot when its child's changes (a supervisor somebody observes). */
  watchChild: boolean;
  /**
   * Takes a report (`xstate.supervision.report`) the way the machine's own transition for it
   * would (its context and emits, no change of state), without a machine step: set by a
   * machine whose every state takes a report alike. Used after the actor's start.
   */
  applyReport?: (snapshot: unknown, report: AnyEventObject, self: AnyActorRef) => unknown;
  /** What only a group does (mode `'group'`): see {@link GroupRuntime}. */
  group?: GroupRuntime;
}

/**
 * What only a group's runtime does, which the shared runtime reaches through its config: a
 * supervisor's config has none of it, so a bundle with supervisors alone leaves it out (see
 * `groupRuntime.ts`).
 */
export interface GroupRuntime {
  /** Starts a child's run, or makes it wait for the children it depends on. */
  launch(rt: Runtime, slot: Slot, isRestart: boolean): void;
  /** A child became ready: whoever waited for it may start, a requested restart goes on. */
  becameReady(rt: Runtime, slot: Slot): void;
  /** A child left the group: it holds nobody back any more, and is not waited for. */
  afterForget(rt: Runtime, slot: Slot): void;
  /** A child restarts with the children its strategy names, after `delayMs` (a round). */
  restart(rt: Runtime, slot: Slot, delayMs: number): void;
  /** Children restored waiting to restart: they restart together, at once. */
  restore(rt: Runtime, waiting: Slot[]): void;
  /** A child stopped for a round, a removal or a replacement (`purpose`) has stopped. */
  stopped(rt: Runtime, slot: Slot, purpose: Slot['purpose']): void;
  /** A drain starts: a requested restart ends, rounds are cancelled. */
  drainStarts(rt: Runtime): void;
  /** The group's own commands (`add`, `remove`, `restartChildren`) and round timers. */
  handle(rt: Runtime, event: AnyEventObject): void;
}

/**
 * What a child is doing. `'waiting'`: not started yet, until the children it depends on are
 * ready.
 */
export type ChildStatus = 'running' | 'stopping' | 'backingOff' | 'waiting';

/** One child as plain data. */
export interface ChildView {
  status: ChildStatus;
  /** Consecutive failures (reset by a stable run or a health signal). */
  failures: number;
  restarts: number;
  /** The delay chosen for the current or latest restart, in ms. */
  delayMs: number;
  /** Messages (and a reload) kept for the next run. */
  pending: number;
  /** The current run is ready: it signalled so, or it does not signal and has started. */
  ready: boolean;
}

/** Counts reported to the machine with every report. */
export interface ChildCounts {
  running: number;
  stopping: number;
  backingOff: number;
  /** Children waiting for the children they depend on to be ready. */
  waiting: number;
  /** Running children that are ready. */
  ready: number;
  restarts: number;
  /** Failures in all (a supervisor shows its child's consecutive failures instead). */
  failures: number;
  /** Messages dropped on purpose, in all. */
  droppedMessages: number;
}

/** What is kept for a child's next run. */
export interface Pending {
  reload: boolean;
  messages: EventObject[];
}

/** One child and its current run. */
export interface Slot {
  /** The child's id. */
  id: string;
  spec: ChildSpec;
  /** The current run, while one exists. */
  ref: AnyActorRef | null;
  /** The current run has started (its start did not fail at once). */
  started: boolean;
  view: ChildView;
  /** Why the child is being stopped, while `view.status` is `'stopping'`. */
  purpose: 'restart' | 'remove' | 'drain' | 'replace' | null;
  round: Round | null;
  /** The stable-run timer of the current run. */
  stable: string | null;
  /** The readiness timer of the current run, while it is not ready. */
  readyTimer: string | null;
  /** While `view.status` is `'waiting'`: the start it waits for is a restart. */
  waitRestart: boolean;
  /** Zero-delay restarts in a row (supervisor). */
  streak: number;
  /** The grace period it is stopping within, while `view.status` is `'stopping'`. */
  grace: GraceMember | null;
  pending: Pending;
  /** Cancels the event-loop turn an immediate restart waits for, while it waits. */
  yielding: (() => void) | null;
  /** The current run's listener (emitted events, its end, snapshots). */
  listening: { unsubscribe(): void } | null;
  /** The parent of the child's runs (see `relay.ts`). */
  relay: AnyActorRef | null;
  /** The output of the last run that completed. */
  output: unknown;
  /** The run the kept reload was last handed to (and announced for). */
  reloadRun: AnyActorRef | null;
  /** The kept reload came back from a run it was announced for. */
  reloadAnnounced: boolean;
}

/** A slot's place in a shared grace period (see `grace.ts`). */
export interface GraceMember {
  rt: Runtime;
  slot: Slot;
  batch: object;
}

/** Children stopped together to be started again together (one-for-all, rest-for-one). */
export interface Round {
  id: string;
  slots: Slot[];
  /** Slots of the round still stopping. */
  pending: number;
  delayMs: number;
  timer: string | null;
}

/** Why a runtime asks its machine to fail. */
export interface HostFailure {
  reason: GiveUpReason;
  childId: string;
  error: unknown;
  failures: number;
}

/** A child as a persisted runtime keeps it: plain data. */
export interface PersistedChild {
  id: string;
  view: ChildView;
  pending: { reload: boolean; messages: EventObject[] };
  /** The persisted snapshot of its run, when it was running. */
  run?: unknown;
}

/** What a persisted runtime keeps: its children, counts and restart window. */
export interface PersistedHost {
  children: PersistedChild[];
  counts: ChildCounts;
  /** Restarts inside the restart window when it was persisted. */
  window: number;
  /** It was shutting its children down. */
  draining: boolean;
}

/** The runtime of one supervisor or group actor. */
export interface Runtime {
  config: RuntimeConfig;
  /** The supervisor's or group's own actor. */
  self: AnyActorRef;
  /** The owner's input, which children's inputs are made from. */
  input: unknown;
  slots: Map<string, Slot>;
  rounds: Map<string, Round>;
  counts: ChildCounts;
  window: RestartWindow;
  draining: boolean;
  stopQueue: Slot[];
  stopped: string[];
  /** Paths (relative to the owner) of everything stopped by force during the drain. */
  forced: string[];
  failed: boolean;
  finished: boolean;
  /** The runtime has been torn down (its actor stopped or failed). */
  closed: boolean;
  outbox: LifecycleEvent[];
  /** Drops of the current step, by child and reason, merged into one event each. */
  drops: Map<string, LifecycleEvent & { type: 'message.dropped' }> | null;
  reported: ChildCounts;
  /** A child's view changed in a way the counts do not show (a reset failure count). */
  dirty: boolean;
  timerSeq: number;
  /** The output of the last child run that ended with one. */
  lastOutput: unknown;
  /** Events for the machine, taken in order by `embed.ts` within the same step. */
  toMachine: AnyEventObject[];
  /** The machine's commands, carried out after the machine's transition. */
  commands: AnyEventObject[];
  /** Why supervision gave up, for the machine's escalation. */
  failure: HostFailure | undefined;
  /** A child's run, or its snapshot, changed in this step (the owner's snapshot is renewed). */
  changed: boolean;
  /** A restart of children the app asked for (`restartChildren`), while it goes on. */
  replacing: Replacement | null;
}

/** Children restarted on request: together, or one at a time (rolling). */
export interface Replacement {
  /** The children in order, as asked. */
  ids: string[];
  rolling: boolean;
  /** Children still to be stopped (rolling: one at a time). */
  queue: Slot[];
  /** Children replaced whose new run is not ready yet. */
  awaiting: Set<Slot>;
  /** Going on right now (a start that is ready at once must not nest another). */
  busy: boolean;
}

/** A fresh set of counts. */
export const zeroCounts = (): ChildCounts => ({
  running: 0,
  stopping: 0,
  backingOff: 0,
  waiting: 0,
  ready: 0,
  restarts: 0,
  failures: 0,
  droppedMessages: 0,
});
