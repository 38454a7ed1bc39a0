/**
 * The child set: the actor a process group invokes to hold its children.
 *
 * XState keeps a machine's children in an immutable record that is copied on every spawn and
 * stop, so a machine with n direct children pays O(n) per change and O(n²) to start or stop
 * them all. A group therefore invokes one child-set actor, and the child set holds the group's
 * children itself in a `Map`: starting, stopping, restarting and forgetting a child all cost
 * O(1), and the whole group starts and shuts down in linear time. The children are real XState
 * actors whose parent is the child set, so they appear in an inspector under their own ids.
 *
 * The child set carries out the group's strategy (fail-fast, one-for-one, one-for-all,
 * rest-for-one), its backoff and restart limit, and its graceful shutdown, and reports to the
 * group machine, which holds the group's lifecycle (`running`, `stopping`, `stopped`, `failed`).
 * Every timer goes through the actor system's scheduler, so `SimulatedClock` drives them.
 */
import {
  type ActorLogic,
  type ActorScope,
  type AnyActorLogic,
  type AnyActorRef,
  type AnyEventObject,
  createActor,
  type EventObject,
  type NonReducibleUnknown,
  type Snapshot,
} from 'xstate';
import { summarizeError } from '../errors.js';
import type { LifecycleEvent } from '../lifecycle.js';
import { type BackoffPolicy, backoffDelay } from '../policy/backoff.js';
import type { MaxRestarts, RestartType } from '../policy/options.js';
import { stopOrphans } from './orphans.js';

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

/** A child of a group, resolved and checked. */
export interface ChildSpec {
  id: string;
  logic: AnyActorLogic;
  input: unknown;
  restart: RestartType;
  shutdownTimeoutMs: number;
  /** Stopped by sending `shutdown` and waiting (true), or at once (false). */
  graceful: boolean;
}

/** The group-wide settings the child set works by. */
export interface ChildSetConfig {
  groupId: string;
  strategy: GroupStrategy;
  backoff: BackoffPolicy;
  maxRestarts: MaxRestarts | null;
  resetAfterMs: number | false;
  shutdownOrder: ShutdownOrder;
  random: () => number;
}

/** What a child is doing, as shown in the child set's snapshot. */
export type ChildStatus = 'running' | 'stopping' | 'backingOff';

/** One child as shown in the child set's snapshot: plain data. */
export interface ChildView {
  status: ChildStatus;
  failures: number;
  restarts: number;
}

/**
 * The child set's snapshot, updated in place as children start, stop and fail, so that keeping
 * it costs O(1) per change whatever the group's size.
 *
 * - `children`: the running child actors by id, as XState keeps a machine's children (XState
 *   walks this record when it stops the child set, so it holds actor refs and nothing else).
 * - `views`: every child of the group by id, running, stopping or backing off, as plain data.
 */
export type ChildSetSnapshot = Snapshot<undefined> & {
  children: Record<string, AnyActorRef>;
  views: Record<string, ChildView>;
};

/** Counts reported to the group machine with every batch of lifecycle events. */
export interface ChildCounts {
  running: number;
  stopping: number;
  backingOff: number;
  restarts: number;
  failures: number;
}

/** Events the child set sends to its group machine. */
export const CHILD_SET_REPORT = 'xstate.group.report';
export const CHILD_SET_FAILED = 'xstate.group.failed';
export const CHILD_SET_EMPTY = 'xstate.group.empty';
export const CHILD_SET_DRAINED = 'xstate.group.drained';
export const CHILD_SET_REFUSED = 'xstate.group.refused';
/** Events the group machine sends to the child set. */
export const CHILD_SET_ADD = 'xstate.group.add';
export const CHILD_SET_REMOVE = 'xstate.group.remove';
export const CHILD_SET_DRAIN = 'xstate.group.drain';
/** The group passes a reload or custom message on to every running child. */
export const CHILD_SET_BROADCAST = 'xstate.group.broadcast';
// Timers of the child set itself.
const RESTART_DUE = 'xstate.group.restartDue';
const GRACE_EXPIRED = 'xstate.group.graceExpired';
const RESTART_EXPIRED = 'xstate.group.restartExpired';
const STABLE = 'xstate.group.stable';

/** Lifecycle events reported to the group in one event at most. */
const REPORT_BATCH = 64;

const DONE_PREFIX = 'xstate.done.actor.';
const ERROR_PREFIX = 'xstate.error.actor.';

/** Why the child set asks its group to fail. */
export interface ChildSetFailure {
  reason: 'child-failed' | 'max-restarts';
  childId: string;
  error: unknown;
}

interface Slot {
  spec: ChildSpec;
  ref: AnyActorRef | null;
  view: ChildView;
  /** Why the child is being stopped, while `view.status` is `'stopping'`. */
  purpose: 'restart' | 'remove' | 'drain' | null;
  round: Round | null;
  /** Bumped at every start, so that stale timers are recognized. */
  generation: number;
  lastDelayMs: number;
  /** The grace period it is stopping within, while `view.status` is `'stopping'`. */
  grace: GraceBatch | null;
}

/**
 * Children asked to stop in the same step with the same grace period share one timer: the
 * actor system's scheduler scans every scheduled event whenever any actor stops, so one timer
 * per child would make a large shutdown quadratic.
 */
interface GraceBatch {
  id: string;
  timer: string;
  slots: Set<Slot>;
}

/** Children stopped together to be started again together (one-for-all, rest-for-one). */
interface Round {
  id: string;
  slots: Slot[];
  /** Slots of the round still stopping. */
  pending: number;
  delayMs: number;
  timer: string | null;
}

interface Runtime {
  slots: Map<string, Slot>;
  /** Grace periods running, by id. */
  graceBatches: Map<string, GraceBatch>;
  /** Batches opened in the current step, by grace period, for children stopped with them. */
  openBatches: Map<number, GraceBatch>;
  /** Restart rounds waiting for their children to stop or for their backoff delay. */
  rounds: Map<string, Round>;
  counts: ChildCounts;
  recentRestarts: number;
  draining: boolean;
  /** Children still to stop one by one, last started first (reverse order). */
  stopQueue: Slot[];
  stopped: string[];
  forced: string[];
  failed: boolean;
  /** Drained: nothing more is reported. */
  finished: boolean;
  /** Lifecycle events of the current step, reported as one batch. */
  outbox: LifecycleEvent[];
  /** The counts last reported to the group. */
  reported: ChildCounts;
  timerSeq: number;
  scope: ActorScope<ChildSetSnapshot, AnyEventObject>;
  /** The snapshot, kept up to date in place. */
  snapshot: ChildSetSnapshot;
}

const runtimes = new WeakMap<AnyActorRef, Runtime>();

const sameCounts = (a: ChildCounts, b: ChildCounts) =>
  a.running === b.running &&
  a.stopping === b.stopping &&
  a.backingOff === b.backingOff &&
  a.restarts === b.restarts &&
  a.failures === b.failures;
const failures = new WeakMap<AnyActorRef, ChildSetFailure>();
/** Events a child set has sent to its group, so the group can tell them from look-alikes. */
const sentByChildSet = new WeakSet<object>();

/**
 * Tells whether an event reaching a group machine was sent by its child set (an event of the
 * same type sent from outside is not, and the group ignores it).
 */
export function isChildSetEvent(event: object): boolean {
  return sentByChildSet.has(event);
}

/**
 * The failure the child set reported to a group machine (the raw error is kept here rather
 * than in an event, so events stay plain data). Read once.
 */
export function takeChildSetFailure(group: AnyActorRef): ChildSetFailure | undefined {
  const failure = failures.get(group);
  failures.delete(group);
  return failure;
}

/** The child set's logic type. */
export type ChildSetLogic = ActorLogic<
  ChildSetSnapshot,
  AnyEventObject,
  NonReducibleUnknown,
  // biome-ignore lint/suspicious/noExplicitAny: any actor system, as XState's own creators
  any,
  EventObject
>;

/**
 * Creates the logic of a group's child set, for the given settings and initial children.
 *
 * @example
 *
 * ```ts
 * // Used by createProcessGroup; a group machine invokes it as its `children` actor.
 * const logic = createChildSetLogic(config, specs);
 * ```
 */
export function createChildSetLogic(
  config: ChildSetConfig,
  initial: readonly ChildSpec[],
): ChildSetLogic {
  const { groupId, strategy, backoff, maxRestarts, resetAfterMs, shutdownOrder, random } = config;

  const lifecycle = (rt: Runtime, event: LifecycleEvent) => {
    rt.outbox.push(event);
  };

  const setStatus = (rt: Runtime, slot: Slot, status: ChildStatus) => {
    rt.counts[slot.view.status]--;
    rt.counts[status]++;
    slot.view.status = status;
  };

  const schedule = (rt: Runtime, event: AnyEventObject, delayMs: number): string => {
    const id = `t${++rt.timerSeq}`;
    const { self, system } = rt.scope;
    system.scheduler.schedule(self, self, event, delayMs, id);
    return id;
  };

  const cancel = (rt: Runtime, id: string | null) => {
    if (id !== null) rt.scope.system.scheduler.cancel(rt.scope.self, id);
  };

  const start = (rt: Runtime, snapshot: ChildSetSnapshot, slot: Slot, isRestart: boolean) => {
    const { spec } = slot;
    slot.generation++;
    slot.purpose = null;
    slot.round = null;
    const ref = createActor(spec.logic, { id: spec.id, parent: rt.scope.self, input: spec.input });
    slot.ref = ref;
    snapshot.children[spec.id] = ref;
    if (isRestart) {
      slot.view.restarts++;
      rt.counts.restarts++;
      setStatus(rt, slot, 'running');
      if (resetAfterMs !== false && slot.view.failures > 0) {
        schedule(rt, { type: STABLE, id: spec.id, generation: slot.generation }, resetAfterMs);
      }
    } else {
      rt.counts.running++;
      snapshot.views[spec.id] = slot.view;
    }
    lifecycle(rt, {
      type: 'child.started',
      supervisorId: groupId,
      childId: spec.id,
      restarts: slot.view.restarts,
    });
    ref.start();
  };

  /** The child's actor has ended or been stopped: it is no longer among the live children. */
  const detach = (rt: Runtime, slot: Slot) => {
    const { children } = rt.snapshot;
    if (slot.ref && children[slot.spec.id] === slot.ref) delete children[slot.spec.id];
    slot.ref = null;
  };

  const forget = (rt: Runtime, snapshot: ChildSetSnapshot, slot: Slot) => {
    rt.counts[slot.view.status]--;
    rt.slots.delete(slot.spec.id);
    delete snapshot.views[slot.spec.id];
    detach(rt, slot);
    leaveGrace(rt, slot);
  };

  const joinGrace = (rt: Runtime, slot: Slot) => {
    const timeoutMs = slot.spec.shutdownTimeoutMs;
    let batch = rt.openBatches.get(timeoutMs);
    if (!batch) {
      const id = `g${++rt.timerSeq}`;
      batch = {
        id,
        timer: schedule(rt, { type: GRACE_EXPIRED, batch: id }, timeoutMs),
        slots: new Set(),
      };
      rt.openBatches.set(timeoutMs, batch);
      rt.graceBatches.set(id, batch);
    }
    batch.slots.add(slot);
    slot.grace = batch;
  };

  const leaveGrace = (rt: Runtime, slot: Slot) => {
    const batch = slot.grace;
    if (!batch) return;
    slot.grace = null;
    batch.slots.delete(slot);
    if (batch.slots.size === 0) {
      cancel(rt, batch.timer);
      rt.graceBatches.delete(batch.id);
      if (rt.openBatches.get(slot.spec.shutdownTimeoutMs) === batch) {
        rt.openBatches.delete(slot.spec.shutdownTimeoutMs);
      }
    }
  };

  /** Asks a running child to stop; returns true when it stopped at once. */
  const stopSlot = (rt: Runtime, slot: Slot, purpose: NonNullable<Slot['purpose']>): boolean => {
    const ref = slot.ref;
    slot.purpose = purpose;
    if (!ref) return true;
    if (!slot.spec.graceful) {
      detach(rt, slot);
      rt.scope.stopChild(ref);
      return true;
    }
    setStatus(rt, slot, 'stopping');
    lifecycle(rt, { type: 'shutdown.started', supervisorId: groupId, childId: slot.spec.id });
    joinGrace(rt, slot);
    ref.send({ type: 'shutdown' });
    return false;
  };

  /** A child has stopped after being asked to (or was forced). */
  const stoppedSlot = (rt: Runtime, snapshot: ChildSetSnapshot, slot: Slot, forced: boolean) => {
    leaveGrace(rt, slot);
    detach(rt, slot);
    const childId = slot.spec.id;
    if (forced) {
      lifecycle(rt, {
        type: 'child.forced',
        supervisorId: groupId,
        childId,
        shutdownTimeoutMs: slot.spec.shutdownTimeoutMs,
        cause: 'grace-period',
      });
    } else {
      lifecycle(rt, { type: 'child.stopped', supervisorId: groupId, childId });
    }
    const purpose = slot.purpose;
    if (purpose === 'drain') {
      (forced ? rt.forced : rt.stopped).push(childId);
      forget(rt, snapshot, slot);
      continueDrain(rt, snapshot);
    } else if (
      purpose === 'remove' ||
      (purpose === 'restart' && slot.spec.restart === 'temporary')
    ) {
      // It may have been stopping for a restart round: the rest of the round still restarts.
      // A temporary child stopped for a sibling's round is dropped, never restarted (as OTP).
      leaveRound(rt, slot, true);
      forget(rt, snapshot, slot);
      checkEmpty(rt);
    } else if (purpose === 'restart' && slot.round) {
      setStatus(rt, slot, 'backingOff');
      const round = slot.round;
      round.pending--;
      if (round.pending === 0) scheduleRound(rt, round);
    }
  };

  const scheduleRound = (rt: Runtime, round: Round) => {
    round.timer = schedule(rt, { type: RESTART_DUE, round: round.id }, round.delayMs);
  };

  /**
   * Takes a removed child out of the restart round it belongs to. `wasStopping`: it was one of
   * the children the round waits for, so the round's delay starts once the others have stopped.
   */
  const leaveRound = (rt: Runtime, slot: Slot, wasStopping: boolean) => {
    const round = slot.round;
    if (!round) return;
    slot.round = null;
    round.slots = round.slots.filter((s) => s !== slot);
    if (wasStopping) round.pending--;
    if (round.slots.length === 0) {
      cancel(rt, round.timer);
      rt.rounds.delete(round.id);
    } else if (wasStopping && round.pending === 0) scheduleRound(rt, round);
  };

  const checkEmpty = (rt: Runtime) => {
    if (rt.slots.size === 0 && !rt.draining && !rt.failed && !rt.finished) {
      post(rt, { type: CHILD_SET_EMPTY });
    }
  };

  const fail = (rt: Runtime, failure: ChildSetFailure) => {
    if (rt.failed || rt.draining || rt.finished) return;
    rt.failed = true;
    const parent = rt.scope.self._parent;
    if (parent) failures.set(parent, failure);
    post(rt, {
      type: CHILD_SET_FAILED,
      reason: failure.reason,
      childId: failure.childId,
      error: summarizeError(failure.error),
    });
  };

  /** The child has ended on its own (completed or failed) while running. */
  const exited = (
    rt: Runtime,
    snapshot: ChildSetSnapshot,
    slot: Slot,
    failed: boolean,
    error: unknown,
  ) => {
    detach(rt, slot);
    const childId = slot.spec.id;
    if (rt.draining || rt.failed) {
      // Ending anyway: record it, restart nothing.
      if (failed) {
        lifecycle(rt, {
          type: 'child.failed',
          supervisorId: groupId,
          childId,
          error: summarizeError(error),
          failures: slot.view.failures + 1,
        });
      } else lifecycle(rt, { type: 'child.completed', supervisorId: groupId, childId });
      if (rt.draining) rt.stopped.push(childId);
      forget(rt, snapshot, slot);
      continueDrain(rt, snapshot);
      return;
    }
    if (failed) {
      slot.view.failures++;
      rt.counts.failures++;
      lifecycle(rt, {
        type: 'child.failed',
        supervisorId: groupId,
        childId,
        error: summarizeError(error),
        failures: slot.view.failures,
      });
    } else {
      lifecycle(rt, { type: 'child.completed', supervisorId: groupId, childId });
    }
    if (failed && strategy === 'fail-fast') {
      forget(rt, snapshot, slot);
      fail(rt, { reason: 'child-failed', childId, error });
      return;
    }
    const restartIt =
      slot.spec.restart === 'permanent' || (failed && slot.spec.restart === 'transient');
    if (!restartIt) {
      forget(rt, snapshot, slot);
      checkEmpty(rt);
      return;
    }
    if (maxRestarts && rt.recentRestarts >= maxRestarts.count) {
      forget(rt, snapshot, slot);
      fail(rt, { reason: 'max-restarts', childId, error });
      return;
    }
    if (maxRestarts) {
      rt.recentRestarts++;
      schedule(rt, { type: RESTART_EXPIRED }, maxRestarts.withinMs);
    }
    if (!failed) slot.view.failures++;
    const delayMs = backoffDelay(backoff, slot.view.failures, random, slot.lastDelayMs);
    slot.lastDelayMs = delayMs;
    setStatus(rt, slot, 'backingOff');
    lifecycle(rt, {
      type: 'restart.scheduled',
      supervisorId: groupId,
      childId,
      delayMs,
      failures: slot.view.failures,
    });

    // Which children restart with it.
    const affected: Slot[] = [];
    // Under fail-fast only a completed permanent child gets here; it restarts alone.
    if (strategy === 'one-for-one' || strategy === 'fail-fast') affected.push(slot);
    else {
      let after = strategy === 'one-for-all';
      for (const other of rt.slots.values()) {
        if (other === slot) after = true;
        if (
          after &&
          (other === slot || (other.round === null && other.view.status === 'running'))
        ) {
          affected.push(other);
        }
      }
    }
    const round: Round = {
      id: `r${++rt.timerSeq}`,
      slots: affected,
      pending: 0,
      delayMs,
      timer: null,
    };
    rt.rounds.set(round.id, round);
    for (const member of affected) {
      member.round = round;
      if (member === slot) continue;
      if (!stopSlot(rt, member, 'restart')) round.pending++;
      else if (member.spec.restart === 'temporary') {
        // Stopped at once and not restarted: dropped, as when it stops gracefully above.
        leaveRound(rt, member, false);
        lifecycle(rt, { type: 'child.stopped', supervisorId: groupId, childId: member.spec.id });
        forget(rt, snapshot, member);
      } else setStatus(rt, member, 'backingOff');
    }
    if (round.pending === 0) scheduleRound(rt, round);
  };

  const startDrain = (rt: Runtime, snapshot: ChildSetSnapshot, force: boolean) => {
    if (!rt.draining) {
      rt.draining = true;
      for (const round of rt.rounds.values()) cancel(rt, round.timer);
      rt.rounds.clear();
      const running: Slot[] = [];
      for (const slot of rt.slots.values()) {
        if (slot.view.status === 'backingOff') {
          // Waiting to restart: nothing runs, so it stops at once.
          rt.stopped.push(slot.spec.id);
          forget(rt, snapshot, slot);
        } else if (slot.view.status === 'stopping') {
          slot.purpose = 'drain';
        } else running.push(slot);
      }
      if (shutdownOrder === 'reverse') rt.stopQueue = running;
      else {
        for (const slot of running) {
          if (stopSlot(rt, slot, 'drain')) {
            rt.stopped.push(slot.spec.id);
            forget(rt, snapshot, slot);
          }
        }
      }
    }
    if (force) {
      for (const slot of [...rt.stopQueue.splice(0), ...rt.slots.values()]) {
        if (!rt.slots.has(slot.spec.id)) continue;
        const ref = slot.ref;
        slot.purpose = 'drain';
        if (ref) rt.scope.stopChild(ref);
        detach(rt, slot);
        stoppedSlotQuiet(rt, snapshot, slot);
      }
    }
    continueDrain(rt, snapshot);
  };

  /** Forced stop during a forced drain: counts as forced, reports nothing else. */
  const stoppedSlotQuiet = (rt: Runtime, snapshot: ChildSetSnapshot, slot: Slot) => {
    lifecycle(rt, {
      type: 'child.forced',
      supervisorId: groupId,
      childId: slot.spec.id,
      shutdownTimeoutMs: slot.spec.shutdownTimeoutMs,
      cause: 'forced-shutdown',
    });
    rt.forced.push(slot.spec.id);
    forget(rt, snapshot, slot);
  };

  const continueDrain = (rt: Runtime, snapshot: ChildSetSnapshot) => {
    if (!rt.draining) return;
    // Reverse order: one child at a time, last started first.
    while (rt.counts.stopping === 0 && rt.stopQueue.length > 0) {
      const slot = rt.stopQueue.pop()!;
      if (!rt.slots.has(slot.spec.id)) continue;
      if (stopSlot(rt, slot, 'drain')) {
        rt.stopped.push(slot.spec.id);
        forget(rt, snapshot, slot);
      }
    }
    if (rt.slots.size === 0 && rt.stopQueue.length === 0) {
      post(rt, { type: CHILD_SET_DRAINED, stopped: rt.stopped, forced: rt.forced });
      rt.draining = false;
      rt.finished = true;
    }
  };

  /** Reports the lifecycle events gathered so far to the group, as one batch. */
  const flush = (rt: Runtime) => {
    // Counts can change with no lifecycle event (a child backing off dropped by a shutdown):
    // they are reported then too, so the group's context never shows stale counts.
    if (rt.outbox.length === 0 && sameCounts(rt.counts, rt.reported)) return;
    rt.reported = { ...rt.counts };
    const events = rt.outbox;
    rt.outbox = [];
    const parent = rt.scope.self._parent;
    // In bounded batches: XState runs a step's emits from a queue that costs O(length) per
    // item, so one batch per child of a large group would make reporting quadratic.
    for (let i = 0; i < Math.max(events.length, 1); i += REPORT_BATCH) {
      const report = {
        type: CHILD_SET_REPORT,
        events: events.length <= REPORT_BATCH ? events : events.slice(i, i + REPORT_BATCH),
        counts: { ...rt.counts },
      };
      sentByChildSet.add(report);
      parent?.send(report);
    }
  };

  /** Sends an event to the group, after the lifecycle events that led to it. */
  const post = (rt: Runtime, event: AnyEventObject) => {
    flush(rt);
    sentByChildSet.add(event);
    rt.scope.self._parent?.send(event);
  };

  const refuse = (rt: Runtime, request: 'add' | 'remove', id: unknown, reason: string) => {
    post(rt, { type: CHILD_SET_REFUSED, request, id: typeof id === 'string' ? id : null, reason });
  };

  const newSlot = (spec: ChildSpec): Slot => ({
    spec,
    ref: null,
    view: { status: 'running', failures: 0, restarts: 0 },
    purpose: null,
    round: null,
    generation: 0,
    lastDelayMs: 0,
    grace: null,
  });

  const handle = (rt: Runtime, snapshot: ChildSetSnapshot, event: AnyEventObject) => {
    const { type } = event;
    if (type.startsWith(DONE_PREFIX) || type.startsWith(ERROR_PREFIX)) {
      const failed = type.startsWith(ERROR_PREFIX);
      const slot = rt.slots.get(type.slice(failed ? ERROR_PREFIX.length : DONE_PREFIX.length));
      if (!slot || slot.ref === null) return;
      if (failed) stopOrphans(slot.ref);
      if (slot.view.status === 'stopping') stoppedSlot(rt, snapshot, slot, false);
      else exited(rt, snapshot, slot, failed, event.error);
      return;
    }
    switch (type) {
      case RESTART_DUE: {
        const round = rt.rounds.get(event.round);
        rt.rounds.delete(event.round);
        if (!round || rt.draining || rt.failed) return;
        for (const slot of round.slots) {
          if (rt.slots.get(slot.spec.id) === slot && slot.round === round)
            start(rt, snapshot, slot, true);
        }
        return;
      }
      case GRACE_EXPIRED: {
        const batch = rt.graceBatches.get(event.batch);
        if (!batch) return;
        rt.graceBatches.delete(batch.id);
        for (const slot of [...batch.slots]) {
          const ref = slot.ref;
          detach(rt, slot);
          if (ref) rt.scope.stopChild(ref);
          stoppedSlot(rt, snapshot, slot, true);
        }
        return;
      }
      case RESTART_EXPIRED:
        rt.recentRestarts = Math.max(0, rt.recentRestarts - 1);
        return;
      case STABLE: {
        const slot = rt.slots.get(event.id);
        if (slot && slot.generation === event.generation && slot.view.status === 'running') {
          slot.view.failures = 0;
          slot.lastDelayMs = 0;
        }
        return;
      }
      case CHILD_SET_DRAIN:
        startDrain(rt, snapshot, event.force === true);
        return;
      case CHILD_SET_ADD: {
        const spec = event.spec as ChildSpec;
        if (rt.draining || rt.failed || rt.finished) {
          return refuse(rt, 'add', spec.id, 'the group is shutting down');
        }
        if (rt.slots.has(spec.id))
          return refuse(rt, 'add', spec.id, `a child with id "${spec.id}" already exists`);
        const slot = newSlot(spec);
        rt.slots.set(spec.id, slot);
        start(rt, snapshot, slot, false);
        return;
      }
      case CHILD_SET_REMOVE: {
        const slot = rt.slots.get(event.id);
        if (!slot) return refuse(rt, 'remove', event.id, `no child with id "${String(event.id)}"`);
        if (rt.draining || rt.failed || rt.finished) {
          return refuse(rt, 'remove', event.id, 'the group is shutting down');
        }
        if (slot.view.status === 'stopping') {
          slot.purpose = 'remove';
          return;
        }
        if (slot.view.status === 'backingOff') {
          leaveRound(rt, slot, false);
          forget(rt, snapshot, slot);
          lifecycle(rt, { type: 'child.stopped', supervisorId: groupId, childId: slot.spec.id });
          checkEmpty(rt);
          return;
        }
        if (stopSlot(rt, slot, 'remove')) {
          lifecycle(rt, { type: 'child.stopped', supervisorId: groupId, childId: slot.spec.id });
          forget(rt, snapshot, slot);
          checkEmpty(rt);
        }
        return;
      }
      case CHILD_SET_BROADCAST: {
        // reload and custom messages from the group: to every running child.
        const message = event.event as AnyEventObject;
        for (const slot of rt.slots.values()) {
          if (slot.view.status === 'running' && slot.ref) slot.ref.send(message);
        }
        if (message.type === 'reload' && rt.counts.running > 0) {
          lifecycle(rt, { type: 'reload.sent', supervisorId: groupId, childId: '*' });
        }
        return;
      }
      default:
        // Anything else comes from a child talking to its parent (`sendParent`, a signal
        // actor's `shutdown`): it is meant for the group, so the group gets it.
        if (!type.startsWith('xstate.')) rt.scope.self._parent?.send(event);
    }
  };

  return {
    transition(snapshot, event, scope) {
      if (snapshot.status !== 'active') return snapshot;
      const rt = runtimes.get(scope.self);
      if (!rt) return snapshot;
      if (event.type === 'xstate.stop') {
        for (const slot of rt.slots.values()) {
          if (slot.ref) scope.stopChild(slot.ref);
          slot.ref = null;
        }
        rt.slots.clear();
        runtimes.delete(scope.self);
        return { ...snapshot, status: 'stopped', children: {} };
      }
      rt.scope = scope;
      handle(rt, snapshot, event);
      rt.openBatches.clear();
      flush(rt);
      return snapshot;
    },
    start(snapshot, scope) {
      const rt: Runtime = {
        slots: new Map(),
        rounds: new Map(),
        graceBatches: new Map(),
        openBatches: new Map(),
        counts: { running: 0, stopping: 0, backingOff: 0, restarts: 0, failures: 0 },
        recentRestarts: 0,
        draining: false,
        stopQueue: [],
        stopped: [],
        forced: [],
        failed: false,
        finished: false,
        outbox: [],
        reported: { running: 0, stopping: 0, backingOff: 0, restarts: 0, failures: 0 },
        timerSeq: 0,
        scope,
        snapshot,
      };
      runtimes.set(scope.self, rt);
      for (const spec of initial) {
        const slot = newSlot(spec);
        rt.slots.set(spec.id, slot);
        start(rt, snapshot, slot, false);
      }
      flush(rt);
      checkEmpty(rt);
    },
    getInitialSnapshot: () => ({
      status: 'active',
      output: undefined,
      error: undefined,
      children: {},
      views: {},
    }),
    // Actor refs are not data: a persisted child set keeps its views only.
    getPersistedSnapshot: (snapshot) => ({ ...snapshot, children: {} }),
  };
}

/** A child of a group as seen from outside: its id, status and actor (none while backing off). */
export interface ChildSetMember {
  id: string;
  status: ChildStatus;
  ref: AnyActorRef | null;
}

/**
 * Lists the children a child-set actor holds, in start order, or `undefined` when `ref` is not
 * a running child set. Used to walk a supervision tree through its groups.
 *
 * @example
 *
 * ```ts
 * const childSet = groupActor.getSnapshot().children.children;
 * for (const member of childSetMembers(childSet) ?? []) console.log(member.id, member.status);
 * ```
 */
export function childSetMembers(ref: AnyActorRef): ChildSetMember[] | undefined {
  const rt = runtimes.get(ref);
  if (!rt) return undefined;
  return [...rt.slots.values()].map((slot) => ({
    id: slot.spec.id,
    status: slot.view.status,
    ref: slot.ref,
  }));
}
