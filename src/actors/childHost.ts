/**
 * The child host: the one actor that creates, stops, restarts and relays for children.
 *
 * Both a supervisor (one child) and a group (many) invoke a child host as their `children`
 * actor. It is the only code that touches child actors, so every rule about children is
 * written once:
 *
 * - **Up**: each run of a child is created with a relay as its parent, so the host knows which
 *   child sent what. XState's own done and error events are checked against the child's real
 *   snapshot; the layer's control events (`shutdown`, `reload`, a group's `add`/`remove`) go
 *   to the machine; `supervisor.healthy` resets that child's failure count; every other event
 *   is passed up, to be sent on to the supervisor's own parent; what the child emits is
 *   emitted again by the machine.
 * - **Down**: messages and reloads go to a child that has really started; for a child waiting
 *   to restart, or whose start failed, they are kept for the first run that starts (what a
 *   failed `fromProcess` run never handled comes back through its ledger). Every message
 *   dropped on purpose is counted and reported.
 * - **Trust**: events that look like the host's own (timers, commands) are only honoured when
 *   the host or its machine made them; anything else is ignored and reported.
 * - **Scale**: children live in a `Map`, so starting, stopping and restarting one costs O(1)
 *   and a group starts and shuts down in linear time; grace periods of children asked to stop
 *   together share one timer, since XState's scheduler scans every scheduled event whenever an
 *   actor stops.
 *
 * The decisions (restart or not, which children a strategy restarts, whether the restart limit
 * is passed) come from `policy/restart.ts`. Every timer goes through the actor system's
 * scheduler, so `SimulatedClock` drives them.
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
import type { DropReason, LifecycleEvent } from '../lifecycle.js';
import { type BackoffPolicy, backoffDelay } from '../policy/backoff.js';
import type { MaxRestarts, RestartType } from '../policy/options.js';
import {
  closeBucket,
  countRestart,
  decideExit,
  expireRestarts,
  type GiveUpReason,
  type GroupStrategy,
  type RestartWindow,
  restartRound,
  type ShutdownOrder,
  type WindowTimer,
} from '../policy/restart.js';
import { guardActor, isTrusted, stopActor, TrustedEvent, trusted } from './guard.js';
import { CHILD_DROPPED, takeUndelivered } from './ledger.js';
import { stopOrphans } from './orphans.js';
import { onNextTurn } from './yieldToEventLoop.js';

/** The id under which supervisors and groups invoke their child host. */
export const CHILD_HOST_ID = 'children';

/** The event a child sends its parent to say it is healthy (reserved; never passed up). */
export const HEALTHY = 'supervisor.healthy';

/** A child, resolved and checked. */
export interface ChildSpec {
  id: string;
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
}

/** The settings a child host works by. */
export interface ChildHostConfig {
  /** The supervisor's or group's id, as lifecycle events name it. */
  ownerId: string;
  /**
   * `'supervisor'`: one child; a restart that has to wait is left to the machine (it shows the
   * wait as `backingOff` and sends {@link HOST_START}); a failure the policy will not restart
   * ends supervision. `'group'`: many children under `strategy`, with the host's own timers.
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
  controls: readonly string[];
  /** Messages kept per child for its next run; older ones are dropped beyond this. */
  maxPending: number;
  /** Zero-delay restarts in a row before the supervisor yields to the event loop. */
  immediateBeforeYield: number;
}

/** What a child is doing, as shown in the host's snapshot. */
export type ChildStatus = 'running' | 'stopping' | 'backingOff';

/** One child as shown in the host's snapshot: plain data. */
export interface ChildView {
  status: ChildStatus;
  /** Consecutive failures (reset by a stable run or a health signal). */
  failures: number;
  restarts: number;
  /** The delay chosen for the current or latest restart, in ms. */
  delayMs: number;
  /** Messages (and a reload) kept for the next run. */
  pending: number;
}

/**
 * The host's snapshot, updated in place as children start, stop and fail, so that keeping it
 * costs O(1) per change whatever the number of children.
 *
 * - `children`: the running child actors by id.
 * - `views`: every child by id, running, stopping or backing off, as plain data.
 */
export type ChildHostSnapshot = Snapshot<undefined> & {
  children: Record<string, AnyActorRef>;
  views: Record<string, ChildView>;
  /** The owner's input, which children's inputs are made from. */
  input: unknown;
  /** What a persisted host kept, until the restored host has started from it. */
  restored?: PersistedHost;
};

/** A child as a persisted host keeps it: plain data. */
export interface PersistedChild {
  id: string;
  view: ChildView;
  pending: { reload: boolean; messages: EventObject[] };
  /** The persisted snapshot of its run, when it was running. */
  run?: unknown;
}

/** What a persisted child host keeps: its children, counts and restart window. */
export interface PersistedHost {
  children: PersistedChild[];
  counts: ChildCounts;
  /** Restarts inside the restart window when it was persisted. */
  window: number;
  /** It was shutting its children down. */
  draining: boolean;
}

/** Counts reported to the machine with every report. */
export interface ChildCounts {
  running: number;
  stopping: number;
  backingOff: number;
  restarts: number;
  /** Failures in all (a supervisor shows its child's consecutive failures instead). */
  failures: number;
  /** Messages dropped on purpose, in all. */
  droppedMessages: number;
}

/** The prefix of every event a child host and its machine exchange. */
export const HOST_EVENT_PREFIX = 'xstate.supervision.';
// Host → machine.
/** Lifecycle events and counts, in order. */
export const HOST_REPORT = 'xstate.supervision.report';
/** Supervision gives up: a failure that is not restarted, or the restart limit. */
export const HOST_FAILED = 'xstate.supervision.failed';
/** No child is left (each completed and is not restarted). */
export const HOST_EMPTY = 'xstate.supervision.empty';
/** Every child has stopped after a drain. */
export const HOST_DRAINED = 'xstate.supervision.drained';
/** An `add` or `remove` was refused. */
export const HOST_REFUSED = 'xstate.supervision.refused';
/** Supervisor: the child waits `delayMs` (0: one turn of the event loop) before its restart. */
export const HOST_WAIT = 'xstate.supervision.wait';
/** A child sent its parent an event that passes up the tree. */
export const HOST_UP = 'xstate.supervision.up';
/** A child sent its parent one of the layer's control events. */
export const HOST_CONTROL = 'xstate.supervision.control';
/** A child emitted an event. */
export const HOST_EMIT = 'xstate.supervision.emit';
// Machine → host.
/** Supervisor: start the child that waits. */
export const HOST_START = 'xstate.supervision.start';
export const HOST_ADD = 'xstate.supervision.add';
export const HOST_REMOVE = 'xstate.supervision.remove';
/** Stop every child (`force`: at once); the host answers {@link HOST_DRAINED}. */
export const HOST_DRAIN = 'xstate.supervision.drain';
/** A reload or message for the children (the one child, or every child of a group). */
export const HOST_DELIVER = 'xstate.supervision.deliver';
/** An event the machine refused (malformed or reserved), to count and report. */
export const HOST_REJECTED = 'xstate.supervision.rejected';
// Within the host.
const FROM_CHILD = 'xstate.supervision.fromChild';
const EMITTED = 'xstate.supervision.emitted';
const RESTART_DUE = 'xstate.supervision.restartDue';
const GRACE_EXPIRED = 'xstate.supervision.graceExpired';
const WINDOW_EXPIRED = 'xstate.supervision.windowExpired';
const WINDOW_CLOSED = 'xstate.supervision.windowClosed';
const STABLE = 'xstate.supervision.stable';
const START_LATER = 'xstate.supervision.startLater';
const YIELD_DONE = 'xstate.supervision.yielded';

/** Child hosts starting their children further up the current stack. */
let nesting = 0;
/** Hosts nested in one synchronous start before the deeper ones start a microtask later. */
const MAX_NESTED_STARTS = 64;

/** What a run of a child sent its parent, as it reaches the host (see `relayOf`). */
class FromChild extends TrustedEvent {
  readonly type = FROM_CHILD;
  constructor(
    readonly id: string,
    readonly run: AnyActorRef | null,
    readonly event: unknown,
  ) {
    super();
  }
}

/** A host's report to its machine: lifecycle events in order, and the counts after them. */
class HostReport extends TrustedEvent {
  readonly type = HOST_REPORT;
  constructor(
    readonly events: LifecycleEvent[],
    readonly counts: ChildCounts,
    readonly child: ChildView | undefined,
  ) {
    super();
  }
}

/** The host's decisions, which carry the lifecycle events that led to them. */
const CARRY_REPORT = new Set([HOST_WAIT, HOST_EMPTY, HOST_DRAINED, HOST_FAILED, HOST_REFUSED]);

/** Lifecycle events reported to the machine in one event at most. */
const REPORT_BATCH = 64;

const DONE_PREFIX = 'xstate.done.actor.';
const ERROR_PREFIX = 'xstate.error.actor.';

/** Why a host asks its machine to fail. */
export interface HostFailure {
  reason: GiveUpReason;
  childId: string;
  error: unknown;
  failures: number;
}

const failures = new WeakMap<AnyActorRef, HostFailure>();

/**
 * The failure a child host reported to its machine (the raw error is kept here, not in an
 * event, so events stay plain data). Read once.
 *
 * @example
 *
 * ```ts
 * const failure = takeHostFailure(self);
 * ```
 */
export function takeHostFailure(machine: AnyActorRef): HostFailure | undefined {
  const failure = failures.get(machine);
  failures.delete(machine);
  return failure;
}

interface Pending {
  reload: boolean;
  messages: EventObject[];
}

interface Slot {
  spec: ChildSpec;
  /** The current run, while one exists. */
  ref: AnyActorRef | null;
  /** The current run has started (its start did not fail at once). */
  started: boolean;
  view: ChildView;
  /** Why the child is being stopped, while `view.status` is `'stopping'`. */
  purpose: 'restart' | 'remove' | 'drain' | null;
  round: Round | null;
  /** The stable-run timer of the current run. */
  stable: string | null;
  /** Zero-delay restarts in a row (supervisor). */
  streak: number;
  /** The grace period it is stopping within, while `view.status` is `'stopping'`. */
  grace: GraceBatch | null;
  pending: Pending;
  /** Cancels the event-loop turn an immediate restart waits for, while it waits. */
  yielding: (() => void) | null;
  /** The current run's emitted-event listener. */
  listening: { unsubscribe(): void } | null;
  /** The parent of the child's runs (see `relayOf`). */
  relay: AnyActorRef | null;
  /** Passes what a run emits to the host. */
  onEmit: ((emitted: EventObject) => void) | null;
  /** The machine that emits a run's events again. */
  owner: (() => AnyActorRef | undefined) | null;
  /** The output of the last run that completed. */
  output: unknown;
}

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
  graceBatches: Map<string, GraceBatch>;
  /** Batches opened in the current step, by grace period. */
  openBatches: Map<number, GraceBatch>;
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
  outbox: LifecycleEvent[];
  /** Drops of the current step, by child and reason, merged into one event each. */
  drops: Map<string, LifecycleEvent & { type: 'message.dropped' }>;
  reported: ChildCounts;
  /** A child's view changed in a way the counts do not show (a reset failure count). */
  dirty: boolean;
  timerSeq: number;
  scope: ActorScope<ChildHostSnapshot, AnyEventObject>;
  snapshot: ChildHostSnapshot;
  /** The output of the last child run that ended with one. */
  lastOutput: unknown;
  /** Delivers to the host's own mailbox without an inspection event. */
  post: (event: EventObject) => void;
}

const runtimes = new WeakMap<AnyActorRef, Runtime>();
/** The listener a host puts on each run of a child, with the machine that emits again. */
const relayListeners = new WeakMap<object, () => AnyActorRef | undefined>();

/**
 * Whether anybody hears `type` when `actor` emits it: a listener of its own (`actor.on`), or,
 * through the child host that emits a child's events again, a listener of its supervisor or
 * group, and so on up the tree. Logic that does costly work only for listeners (decoding the
 * output lines of an OS process) asks this, so a supervisor that relays emitted events costs
 * nothing when nobody listens.
 *
 * @example
 *
 * ```ts
 * if (wantsEmitted(self, 'output')) emit({ type: 'output', line: decode(chunk) });
 * ```
 */
export function wantsEmitted(actor: AnyActorRef, type: string): boolean {
  let current: AnyActorRef | undefined = actor;
  for (let depth = 0; current && depth < 10_000; depth++) {
    const listeners = (current as unknown as { eventListeners?: unknown }).eventListeners;
    if (!(listeners instanceof Map)) return true;
    let next: AnyActorRef | undefined;
    for (const key of [type, '*']) {
      for (const listener of (listeners.get(key) as Set<object> | undefined) ?? []) {
        const owner = relayListeners.get(listener);
        if (!owner) return true;
        next = owner();
      }
    }
    current = next;
  }
  return false;
}

/** The runtime of each live host snapshot (it is updated in place), for persisting it. */
const bySnapshot = new WeakMap<object, Runtime>();

const sameCounts = (a: ChildCounts, b: ChildCounts) =>
  a.running === b.running &&
  a.stopping === b.stopping &&
  a.backingOff === b.backingOff &&
  a.restarts === b.restarts &&
  a.failures === b.failures &&
  a.droppedMessages === b.droppedMessages;

/** The child host's logic type. */
export type ChildHostLogic = ActorLogic<
  ChildHostSnapshot,
  AnyEventObject,
  NonReducibleUnknown,
  // biome-ignore lint/suspicious/noExplicitAny: any actor system, as XState's own creators
  any,
  EventObject
>;

/** The forced paths a supervisor's or group's output lists. */
function forcedIn(output: unknown): string[] {
  const forced = (output as { forced?: unknown } | null | undefined)?.forced;
  return Array.isArray(forced) ? forced.filter((path) => typeof path === 'string') : [];
}

/**
 * Creates the logic of a child host, for the given settings and initial children.
 *
 * @example
 *
 * ```ts
 * // Used by createSupervisor and createProcessGroup, which invoke it as their `children` actor.
 * const logic = createChildHostLogic(config, specs);
 * ```
 */
export function createChildHostLogic(
  config: ChildHostConfig,
  initial: readonly ChildSpec[],
): ChildHostLogic {
  const { ownerId, mode, strategy, backoff, maxRestarts, resetAfterMs, shutdownOrder, random } =
    config;
  const controls = new Set(config.controls);

  const lifecycle = (rt: Runtime, event: LifecycleEvent) => {
    rt.outbox.push(event);
  };

  const drop = (
    rt: Runtime,
    childId: string,
    reason: DropReason,
    count: number,
    eventType?: string,
  ) => {
    if (count <= 0) return;
    rt.counts.droppedMessages += count;
    const key = `${childId}\u0000${reason}`;
    const merged = rt.drops.get(key);
    if (merged) {
      merged.count += count;
      if (eventType !== undefined) merged.eventType = eventType;
      return;
    }
    const event: LifecycleEvent & { type: 'message.dropped' } = {
      type: 'message.dropped',
      supervisorId: ownerId,
      childId: childId,
      count,
      reason,
    };
    if (eventType !== undefined) event.eventType = eventType;
    rt.drops.set(key, event);
    rt.outbox.push(event);
  };

  const pendingSize = (pending: Pending) => pending.messages.length + (pending.reload ? 1 : 0);

  const keep = (rt: Runtime, slot: Slot, event: EventObject, front = false) => {
    const { pending } = slot;
    if (event.type === 'reload') pending.reload = true;
    else if (front) pending.messages.unshift(event);
    else pending.messages.push(event);
    const over = pending.messages.length - config.maxPending;
    if (over > 0) {
      const dropped = front ? pending.messages.splice(-over) : pending.messages.splice(0, over);
      drop(rt, slot.spec.id, 'overflow', dropped.length, dropped.at(-1)?.type);
    }
    slot.view.pending = pendingSize(pending);
    rt.dirty = true;
  };

  const dropPending = (rt: Runtime, slot: Slot, reason: DropReason) => {
    const count = pendingSize(slot.pending);
    if (count === 0) return;
    drop(rt, slot.spec.id, reason, count, slot.pending.messages.at(-1)?.type ?? 'reload');
    slot.pending = { reload: false, messages: [] };
    slot.view.pending = 0;
    rt.dirty = true;
  };

  const setStatus = (rt: Runtime, slot: Slot, status: ChildStatus) => {
    rt.counts[slot.view.status]--;
    rt.counts[status]++;
    slot.view.status = status;
  };

  const schedule = (rt: Runtime, event: AnyEventObject, delayMs: number): string => {
    const id = `t${++rt.timerSeq}`;
    const { self, system } = rt.scope;
    system.scheduler.schedule(self, self, trusted(event), delayMs, id);
    return id;
  };

  const cancel = (rt: Runtime, id: string | null) => {
    if (id !== null) rt.scope.system.scheduler.cancel(rt.scope.self, id);
  };

  const windowTimer = (rt: Runtime, timer: WindowTimer | null) => {
    if (!timer) return;
    if (timer.kind === 'expire')
      schedule(rt, { type: WINDOW_EXPIRED, count: timer.count }, timer.delayMs);
    else schedule(rt, { type: WINDOW_CLOSED }, timer.delayMs);
  };

  /** Hands what the child's run kept waiting to it, now that it runs. */
  const deliverPending = (rt: Runtime, slot: Slot) => {
    const ref = slot.ref;
    if (!ref || pendingSize(slot.pending) === 0) return;
    const { reload, messages } = slot.pending;
    slot.pending = { reload: false, messages: [] };
    slot.view.pending = 0;
    rt.dirty = true;
    if (reload) {
      ref.send({ type: 'reload' });
      lifecycle(rt, { type: 'reload.sent', supervisorId: ownerId, childId: slot.spec.id });
    }
    for (const message of messages) {
      if (slot.ref !== ref || !slot.started) {
        // The run failed while taking them: the rest waits for the next one.
        keep(rt, slot, message);
        continue;
      }
      ref.send(message);
    }
  };

  /**
   * The parent every run of a child gets: the host itself, but what a run sends its parent
   * comes to the host marked with the slot and the run, so the host knows who sent it. One per
   * child, made at its first start.
   */
  const relayOf = (rt: Runtime, slot: Slot): AnyActorRef => {
    if (slot.relay) return slot.relay;
    const host = rt.scope.self;
    const relay = Object.create(host) as AnyActorRef & {
      _send(event: unknown): void;
      send(event: unknown): void;
    };
    const id = slot.spec.id;
    relay._send = (event: unknown) => {
      rt.post(new FromChild(id, slot.ref, event));
    };
    // `send` of an actor is bound to it; the relay's must reach the relay, as XState's would.
    const system = host.system as { _relay?: (from: unknown, to: unknown, event: unknown) => void };
    relay.send = (event: unknown) =>
      typeof system._relay === 'function'
        ? system._relay(undefined, relay, event)
        : relay._send(event);
    slot.onEmit = (emitted: EventObject) => {
      rt.post(trusted({ type: EMITTED, id, run: slot.ref, event: emitted }));
    };
    slot.owner = () => rt.scope.self._parent;
    slot.relay = relay;
    return relay;
  };

  const start = (
    rt: Runtime,
    slot: Slot,
    isRestart: boolean,
    restored?: unknown,
    announced = false,
  ) => {
    const { spec } = slot;
    slot.purpose = null;
    slot.round = null;
    if (isRestart) {
      slot.view.restarts++;
      rt.counts.restarts++;
      setStatus(rt, slot, 'running');
    } else {
      rt.counts.running++;
      rt.snapshot.views[spec.id] = slot.view;
    }
    if (!announced) {
      lifecycle(rt, {
        type: 'child.started',
        supervisorId: ownerId,
        childId: spec.id,
        restarts: slot.view.restarts,
      });
    }
    const relay = relayOf(rt, slot);
    let input: unknown;
    try {
      input = spec.input(rt.snapshot.input);
    } catch (error) {
      // The input cannot be made: this start fails like a child that fails at once.
      slot.ref = null;
      slot.started = false;
      rt.post(
        trusted({
          type: FROM_CHILD,
          id: spec.id,
          run: null,
          event: { type: ERROR_PREFIX + spec.id, error },
        }),
      );
      return;
    }
    let run: AnyActorRef | undefined;
    if (restored !== undefined) {
      // The run's own persisted snapshot, where its logic can restore it; else a fresh run.
      try {
        run = createActor(spec.logic, {
          id: spec.id,
          parent: relay,
          input,
          snapshot: restored as Snapshot<unknown>,
        });
        if (run.getSnapshot()?.status !== 'active') run = undefined;
      } catch {
        run = undefined;
      }
    }
    run ??= createActor(spec.logic, { id: spec.id, parent: relay, input });
    slot.ref = run;
    slot.started = false;
    rt.snapshot.children[spec.id] = run;
    slot.listening = run.on('*', slot.onEmit!);
    // XState keeps a bound copy of the listener: the one just added is the last in its set.
    const added = (run as unknown as { eventListeners?: Map<string, Set<object>> }).eventListeners
      ?.get('*')
      ?.values();
    let last: object | undefined;
    for (let item = added?.next(); item && !item.done; item = added?.next()) last = item.value;
    if (last) relayListeners.set(last, slot.owner!);
    run.start();
    if (slot.ref === run && run.getSnapshot().status === 'active') {
      slot.started = true;
      if (
        (isRestart || restored !== undefined) &&
        resetAfterMs !== false &&
        slot.view.failures > 0
      ) {
        const resetMs = resetAfterMs;
        if (slot.streak === 0)
          slot.stable = schedule(rt, { type: STABLE, id: spec.id, run }, resetMs);
        else {
          // An immediate restart: most such runs fail again within a few microtasks, so the
          // stable-run timer is armed only for a run still running a moment later. No
          // simulated time passes meanwhile, so the reset still comes resetAfterMs after it.
          queueMicrotask(() => {
            if (slot.ref !== run || !slot.started || slot.stable !== null) return;
            if (runtimes.get(rt.scope.self) !== rt || rt.draining || rt.finished) return;
            slot.stable = schedule(rt, { type: STABLE, id: spec.id, run }, resetMs);
          });
        }
      }
      deliverPending(rt, slot);
    }
  };

  /** The child's run has ended or been stopped: it is no longer among the live children. */
  const detach = (rt: Runtime, slot: Slot) => {
    const { children } = rt.snapshot;
    if (slot.ref && children[slot.spec.id] === slot.ref) delete children[slot.spec.id];
    slot.listening?.unsubscribe();
    slot.listening = null;
    slot.ref = null;
    slot.started = false;
    cancel(rt, slot.stable);
    slot.stable = null;
  };

  const forget = (rt: Runtime, slot: Slot, reason: DropReason = 'stopped') => {
    slot.yielding?.();
    slot.yielding = null;
    rt.counts[slot.view.status]--;
    rt.slots.delete(slot.spec.id);
    delete rt.snapshot.views[slot.spec.id];
    detach(rt, slot);
    leaveGrace(rt, slot);
    dropPending(rt, slot, reason);
  };

  const joinGrace = (rt: Runtime, slot: Slot) => {
    if (mode === 'supervisor') return; // the supervisor machine times its own grace period
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
    if (!slot.spec.graceful || !slot.started) {
      detach(rt, slot);
      stopActor(ref);
      return true;
    }
    setStatus(rt, slot, 'stopping');
    lifecycle(rt, { type: 'shutdown.started', supervisorId: ownerId, childId: slot.spec.id });
    joinGrace(rt, slot);
    ref.send({ type: 'shutdown' });
    return false;
  };

  /** A child has stopped after being asked to (or was forced). */
  const stoppedSlot = (
    rt: Runtime,
    slot: Slot,
    forced: 'grace-period' | 'forced-shutdown' | null,
    output: unknown,
    error?: { error: unknown },
  ) => {
    leaveGrace(rt, slot);
    const run = slot.ref;
    detach(rt, slot);
    if (run) for (const event of takeUndelivered(run)) keep(rt, slot, event);
    const childId = slot.spec.id;
    if (forced) {
      lifecycle(rt, {
        type: 'child.forced',
        supervisorId: ownerId,
        childId: childId,
        shutdownTimeoutMs: slot.spec.shutdownTimeoutMs,
        cause: forced,
      });
    } else if (error) {
      // It failed while stopping: it has stopped, and the error is worth knowing.
      lifecycle(rt, {
        type: 'child.failed',
        supervisorId: ownerId,
        childId: childId,
        error: summarizeError(error.error),
        failures: slot.view.failures + 1,
      });
    } else lifecycle(rt, { type: 'child.stopped', supervisorId: ownerId, childId: childId });
    const purpose = slot.purpose;
    if (purpose === 'drain') {
      if (forced) rt.forced.push(childId);
      else {
        rt.stopped.push(childId);
        for (const path of forcedIn(output)) rt.forced.push(`${childId}/${path}`);
      }
      if (output !== undefined) rt.lastOutput = output;
      forget(rt, slot);
      continueDrain(rt);
    } else if (
      purpose === 'remove' ||
      (purpose === 'restart' && slot.spec.restart === 'temporary')
    ) {
      // A temporary child stopped for a sibling's round is dropped, never restarted (as OTP).
      leaveRound(rt, slot, true);
      forget(rt, slot);
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
      rt.finished = mode === 'supervisor';
      send(rt, { type: HOST_EMPTY, output: rt.lastOutput });
    }
  };

  const fail = (rt: Runtime, failure: HostFailure) => {
    if (rt.failed || rt.draining || rt.finished) return;
    rt.failed = true;
    const machine = rt.scope.self._parent;
    if (machine) failures.set(machine, failure);
    send(rt, {
      type: HOST_FAILED,
      reason: failure.reason,
      childId: failure.childId,
      error: summarizeError(failure.error),
    });
  };

  /** The child's run has ended on its own (completed or failed) while running. */
  const exited = (rt: Runtime, slot: Slot, failed: boolean, result: unknown) => {
    const run = slot.ref;
    detach(rt, slot);
    if (run) for (const event of takeUndelivered(run)) keep(rt, slot, event);
    const childId = slot.spec.id;
    const error = failed ? result : undefined;
    if (!failed) {
      slot.output = result;
      rt.lastOutput = result;
    }
    if (rt.draining || rt.failed) {
      // Ending anyway: record it, restart nothing.
      if (failed) {
        lifecycle(rt, {
          type: 'child.failed',
          supervisorId: ownerId,
          childId: childId,
          error: summarizeError(error),
          failures: slot.view.failures + 1,
        });
      } else lifecycle(rt, { type: 'child.completed', supervisorId: ownerId, childId: childId });
      if (rt.draining) {
        rt.stopped.push(childId);
        for (const path of forcedIn(result)) rt.forced.push(`${childId}/${path}`);
      }
      forget(rt, slot);
      continueDrain(rt);
      return;
    }
    if (failed) {
      slot.view.failures++;
      rt.counts.failures++;
      lifecycle(rt, {
        type: 'child.failed',
        supervisorId: ownerId,
        childId: childId,
        error: summarizeError(error),
        failures: slot.view.failures,
      });
    } else lifecycle(rt, { type: 'child.completed', supervisorId: ownerId, childId: childId });
    let notWorthIt = false;
    if (failed && config.shouldRestart) {
      try {
        notWorthIt = config.shouldRestart(error, slot.view.failures) === false;
      } catch {
        notWorthIt = true;
      }
    }
    const decision = decideExit({
      failed,
      restart: slot.spec.restart,
      scope:
        mode === 'supervisor' ? 'supervisor' : strategy === 'fail-fast' ? 'fail-fast' : 'group',
      notWorthIt,
      recentRestarts: rt.window.count,
      maxRestarts,
    });
    if (decision.kind === 'give-up') {
      forget(rt, slot, 'stopped');
      fail(rt, { reason: decision.reason, childId, error, failures: slot.view.failures });
      return;
    }
    if (decision.kind === 'drop') {
      forget(rt, slot, 'stopped');
      checkEmpty(rt);
      return;
    }
    if (maxRestarts) windowTimer(rt, countRestart(rt.window, maxRestarts));
    if (!failed) slot.view.failures++;
    const delayMs = backoffDelay(backoff, slot.view.failures, random, slot.view.delayMs);
    slot.view.delayMs = delayMs;
    setStatus(rt, slot, 'backingOff');
    lifecycle(rt, {
      type: 'restart.scheduled',
      supervisorId: ownerId,
      childId: childId,
      delayMs,
      failures: slot.view.failures,
    });
    if (mode === 'supervisor') {
      if (delayMs === 0) {
        if (slot.streak < config.immediateBeforeYield) {
          slot.streak++;
          start(rt, slot, true);
          return;
        }
        // A run of immediate restarts: one turn of the event loop first, so that I/O,
        // signals and timers (a shutdown) get in; the machine stays in `running`.
        slot.streak = 0;
        slot.yielding = onNextTurn(() => rt.post(trusted({ type: YIELD_DONE, id: childId })));
        return;
      }
      slot.streak = 0;
      send(rt, { type: HOST_WAIT, delayMs });
      return;
    }
    // Which children restart with it.
    const ids = restartRound(
      strategy,
      (function* () {
        for (const other of rt.slots.values()) {
          yield {
            id: other.spec.id,
            running: other.round === null && other.view.status === 'running',
            restart: other.spec.restart,
          };
        }
      })(),
      childId,
    );
    const round: Round = { id: `r${++rt.timerSeq}`, slots: [], pending: 0, delayMs, timer: null };
    rt.rounds.set(round.id, round);
    for (const id of ids) {
      const member = rt.slots.get(id);
      if (!member) continue;
      round.slots.push(member);
      member.round = round;
      if (member === slot) continue;
      if (!stopSlot(rt, member, 'restart')) round.pending++;
      else if (member.spec.restart === 'temporary') {
        leaveRound(rt, member, false);
        lifecycle(rt, { type: 'child.stopped', supervisorId: ownerId, childId: member.spec.id });
        forget(rt, member);
      } else setStatus(rt, member, 'backingOff');
    }
    if (round.pending === 0) scheduleRound(rt, round);
  };

  const startDrain = (rt: Runtime, force: false | 'grace-period' | 'forced-shutdown') => {
    if (rt.finished) return;
    if (!rt.draining) {
      rt.draining = true;
      for (const round of rt.rounds.values()) cancel(rt, round.timer);
      rt.rounds.clear();
      const running: Slot[] = [];
      for (const slot of rt.slots.values()) {
        if (slot.view.status === 'backingOff') {
          // Waiting to restart: nothing runs, so it stops at once.
          lifecycle(rt, { type: 'child.stopped', supervisorId: ownerId, childId: slot.spec.id });
          rt.stopped.push(slot.spec.id);
          forget(rt, slot);
        } else if (slot.view.status === 'stopping') {
          slot.purpose = 'drain';
        } else running.push(slot);
      }
      if (shutdownOrder === 'reverse' || force) rt.stopQueue = running;
      else {
        for (const slot of running) {
          if (stopSlot(rt, slot, 'drain')) {
            lifecycle(rt, { type: 'child.stopped', supervisorId: ownerId, childId: slot.spec.id });
            rt.stopped.push(slot.spec.id);
            forget(rt, slot);
          }
        }
      }
    }
    if (force) {
      // At once, without asking: each child still running is stopped by force.
      for (const slot of [...rt.stopQueue.splice(0), ...rt.slots.values()]) {
        if (!rt.slots.has(slot.spec.id)) continue;
        const ref = slot.ref;
        slot.purpose = 'drain';
        if (ref) stopActor(ref);
        stoppedSlot(rt, slot, force, undefined);
      }
    }
    continueDrain(rt);
  };

  const continueDrain = (rt: Runtime) => {
    if (!rt.draining) return;
    // Reverse order: one child at a time, last started first.
    while (rt.counts.stopping === 0 && rt.stopQueue.length > 0) {
      const slot = rt.stopQueue.pop()!;
      if (!rt.slots.has(slot.spec.id)) continue;
      if (stopSlot(rt, slot, 'drain')) {
        lifecycle(rt, { type: 'child.stopped', supervisorId: ownerId, childId: slot.spec.id });
        rt.stopped.push(slot.spec.id);
        forget(rt, slot);
      }
    }
    if (rt.slots.size === 0 && rt.stopQueue.length === 0) {
      rt.draining = false;
      rt.finished = true;
      send(rt, {
        type: HOST_DRAINED,
        stopped: rt.stopped,
        forced: rt.forced,
        output: rt.lastOutput,
      });
    }
  };

  const supervisorView = (rt: Runtime): ChildView | undefined =>
    mode === 'supervisor' ? rt.slots.values().next().value?.view : undefined;

  /** Reports the lifecycle events gathered so far to the machine, in bounded batches. */
  const flush = (rt: Runtime) => {
    rt.drops.clear();
    if (rt.outbox.length === 0 && !rt.dirty && sameCounts(rt.counts, rt.reported)) return;
    rt.reported = { ...rt.counts };
    rt.dirty = false;
    const events = rt.outbox;
    rt.outbox = [];
    const machine = rt.scope.self._parent;
    const child = supervisorView(rt);
    // XState runs a step's emits from a queue that costs O(length) per item, so one batch
    // per child of a large group would make reporting quadratic.
    for (let i = 0; i < Math.max(events.length, 1); i += REPORT_BATCH) {
      machine?.send(
        new HostReport(
          events.length <= REPORT_BATCH ? events : events.slice(i, i + REPORT_BATCH),
          { ...rt.counts },
          child ? { ...child } : undefined,
        ),
      );
    }
  };

  /**
   * Sends an event to the machine, with the lifecycle events that led to it and the counts
   * after them (one event, so the machine takes one step), or after them when they are many.
   */
  const send = (rt: Runtime, event: AnyEventObject) => {
    if (rt.outbox.length <= REPORT_BATCH && CARRY_REPORT.has(event.type)) {
      rt.drops.clear();
      event.events = rt.outbox;
      event.counts = { ...rt.counts };
      const child = supervisorView(rt);
      if (child) event.child = { ...child };
      rt.outbox = [];
      rt.reported = event.counts;
      rt.dirty = false;
    } else flush(rt);
    rt.scope.self._parent?.send(trusted(event));
  };

  const refuse = (rt: Runtime, request: 'add' | 'remove', id: unknown, reason: string) => {
    send(rt, { type: HOST_REFUSED, request, id: typeof id === 'string' ? id : null, reason });
  };

  const newSlot = (spec: ChildSpec): Slot => ({
    spec,
    ref: null,
    started: false,
    view: { status: 'running', failures: 0, restarts: 0, delayMs: 0, pending: 0 },
    purpose: null,
    round: null,
    stable: null,
    streak: 0,
    grace: null,
    pending: { reload: false, messages: [] },
    listening: null,
    yielding: null,
    relay: null,
    onEmit: null,
    owner: null,
    output: undefined,
  });

  /** A message from the machine for one child: to its run, kept for its next run, or dropped. */
  const deliverTo = (rt: Runtime, slot: Slot, message: EventObject): boolean => {
    const status = slot.view.status;
    if (status === 'running' && slot.ref && slot.started) {
      slot.ref.send(message);
      return true;
    }
    if (status !== 'stopping' || slot.purpose === 'restart') keep(rt, slot, message);
    else if (slot.ref && message.type !== 'reload') {
      // Still draining: it may answer, but a reload makes no sense any more.
      slot.ref.send(message);
      return true;
    } else drop(rt, slot.spec.id, 'shutting-down', 1, message.type);
    return false;
  };

  const healthy = (rt: Runtime, slot: Slot) => {
    cancel(rt, slot.stable);
    slot.stable = null;
    slot.view.failures = 0;
    slot.view.delayMs = 0;
    slot.streak = 0;
    lifecycle(rt, { type: 'child.healthy', supervisorId: ownerId, childId: slot.spec.id });
  };

  /** Something the current run of a child sent its parent. */
  const fromChild = (rt: Runtime, slot: Slot, run: AnyActorRef | null, event: unknown) => {
    if (!event || typeof event !== 'object' || typeof (event as EventObject).type !== 'string') {
      return drop(rt, slot.spec.id, 'malformed', 1);
    }
    const { type } = event as AnyEventObject;
    if (type.startsWith(DONE_PREFIX) || type.startsWith(ERROR_PREFIX)) {
      const failed = type.startsWith(ERROR_PREFIX);
      if (type.slice(failed ? ERROR_PREFIX.length : DONE_PREFIX.length) !== slot.spec.id) {
        return drop(rt, slot.spec.id, 'reserved', 1, type);
      }
      // Only the run's real end counts: its snapshot says so, with this very result.
      const result = failed ? (event as AnyEventObject).error : (event as AnyEventObject).output;
      if (run !== null) {
        const snap = run.getSnapshot() as { status: string; error?: unknown; output?: unknown };
        const real = failed
          ? snap.status === 'error' && snap.error === result
          : snap.status === 'done' && snap.output === result;
        if (!real) return drop(rt, slot.spec.id, 'reserved', 1, type);
        if (failed) stopOrphans(run);
      }
      if (slot.view.status === 'stopping') {
        stoppedSlot(
          rt,
          slot,
          null,
          failed ? undefined : result,
          failed ? { error: result } : undefined,
        );
      } else exited(rt, slot, failed, result);
      return;
    }
    if (type.startsWith('xstate.')) return drop(rt, slot.spec.id, 'reserved', 1, type);
    if (type === HEALTHY) return healthy(rt, slot);
    if (type === CHILD_DROPPED) {
      const count = (event as AnyEventObject).count;
      return drop(
        rt,
        slot.spec.id,
        'child-buffer',
        Number.isInteger(count) && count > 0 ? count : 1,
      );
    }
    send(rt, { type: controls.has(type) ? HOST_CONTROL : HOST_UP, event });
  };

  const handle = (rt: Runtime, event: AnyEventObject) => {
    const { type } = event;
    if (!isTrusted(event)) {
      // Not made by this layer: nobody else speaks to a host.
      return drop(rt, '*', type.startsWith('xstate.') ? 'reserved' : 'malformed', 1, type);
    }
    switch (type) {
      case FROM_CHILD: {
        const slot = rt.slots.get(event.id);
        // From a run that is no longer current (it was stopped): nothing to do.
        if (!slot || slot.ref !== event.run) return;
        return fromChild(rt, slot, event.run, event.event);
      }
      case EMITTED: {
        const emitted = event.event as EventObject;
        if (emitted && typeof emitted.type === 'string')
          send(rt, { type: HOST_EMIT, event: emitted });
        return;
      }
      case YIELD_DONE: {
        const slot = rt.slots.get(event.id);
        if (!slot?.yielding) return;
        slot.yielding = null;
        if (slot.view.status === 'backingOff' && !rt.draining && !rt.finished)
          start(rt, slot, true);
        return;
      }
      case START_LATER: {
        const slot = rt.slots.get(event.id);
        if (!slot || slot.ref || rt.draining || rt.finished) return;
        rt.counts.running--;
        delete rt.snapshot.views[slot.spec.id];
        start(rt, slot, false);
        return;
      }
      case HOST_START: {
        const slot = rt.slots.values().next().value;
        if (!slot || rt.draining || rt.finished || slot.view.status !== 'backingOff') return;
        // The machine announced this restart itself (child.started, restarts + 1) as it left
        // backingOff: nothing to report unless the start brought more.
        start(rt, slot, true, undefined, true);
        if (rt.outbox.length === 0 && !rt.dirty) rt.reported = { ...rt.counts };
        return;
      }
      case RESTART_DUE: {
        const round = rt.rounds.get(event.round);
        rt.rounds.delete(event.round);
        if (!round || rt.draining || rt.failed) return;
        for (const slot of round.slots) {
          if (rt.slots.get(slot.spec.id) === slot && slot.round === round) start(rt, slot, true);
        }
        return;
      }
      case GRACE_EXPIRED: {
        const batch = rt.graceBatches.get(event.batch);
        if (!batch) return;
        rt.graceBatches.delete(batch.id);
        for (const slot of [...batch.slots]) {
          const ref = slot.ref;
          if (ref) stopActor(ref);
          stoppedSlot(rt, slot, 'grace-period', undefined);
        }
        return;
      }
      case WINDOW_EXPIRED:
        expireRestarts(rt.window, event.count);
        return;
      case WINDOW_CLOSED:
        if (maxRestarts) windowTimer(rt, closeBucket(rt.window, maxRestarts));
        return;
      case STABLE: {
        const slot = rt.slots.get(event.id);
        if (slot && slot.ref === event.run && slot.view.status === 'running') {
          slot.stable = null;
          slot.view.failures = 0;
          slot.view.delayMs = 0;
          // A stable run ends a run of immediate restarts too.
          slot.streak = 0;
          rt.dirty = true;
        }
        return;
      }
      case HOST_DRAIN:
        startDrain(rt, event.force === true ? (event.cause ?? 'forced-shutdown') : false);
        return;
      case HOST_ADD: {
        const spec = event.spec as ChildSpec;
        if (rt.draining || rt.failed || rt.finished) {
          return refuse(rt, 'add', spec.id, 'the group is shutting down');
        }
        if (rt.slots.has(spec.id))
          return refuse(rt, 'add', spec.id, `a child with id "${spec.id}" already exists`);
        const slot = newSlot(spec);
        rt.slots.set(spec.id, slot);
        start(rt, slot, false);
        return;
      }
      case HOST_REMOVE: {
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
          forget(rt, slot);
          lifecycle(rt, { type: 'child.stopped', supervisorId: ownerId, childId: slot.spec.id });
          checkEmpty(rt);
          return;
        }
        if (stopSlot(rt, slot, 'remove')) {
          lifecycle(rt, { type: 'child.stopped', supervisorId: ownerId, childId: slot.spec.id });
          forget(rt, slot);
          checkEmpty(rt);
        }
        return;
      }
      case HOST_DELIVER: {
        const message = event.event as EventObject;
        if (rt.slots.size === 0 || rt.finished) {
          return drop(
            rt,
            '*',
            rt.draining || rt.finished ? 'shutting-down' : 'no-child',
            1,
            message.type,
          );
        }
        let reached = 0;
        for (const slot of rt.slots.values()) if (deliverTo(rt, slot, message)) reached++;
        if (message.type === 'reload' && reached > 0) {
          lifecycle(rt, {
            type: 'reload.sent',
            supervisorId: ownerId,
            childId: mode === 'supervisor' ? rt.slots.keys().next().value! : '*',
          });
        }
        return;
      }
      case HOST_REJECTED:
        return drop(rt, event.childId ?? '*', event.reason, 1, event.eventType);
    }
  };

  /**
   * Starts a restored host from what it kept. A child that was running runs again, from its
   * run's persisted snapshot where its logic can restore it; a child that was waiting to
   * restart restarts at once (the time spent persisted is unknown, and likely longer than the
   * delay); failure counts, restart counts and kept messages carry over; restarts that were
   * inside the restart window leave it one full window after the restore. A host persisted
   * while shutting down is restored done: its children are not started again.
   */
  const restore = (rt: Runtime, kept: PersistedHost) => {
    const specs = new Map(initial.map((spec) => [spec.id, spec]));
    rt.counts.restarts = kept.counts.restarts;
    rt.counts.failures = kept.counts.failures;
    rt.counts.droppedMessages = kept.counts.droppedMessages;
    if (maxRestarts && kept.window > 0) {
      rt.window.count = kept.window;
      schedule(rt, { type: WINDOW_EXPIRED, count: kept.window }, maxRestarts.withinMs);
    }
    if (kept.draining) {
      rt.draining = true;
      for (const child of kept.children) rt.stopped.push(child.id);
      continueDrain(rt);
      return;
    }
    const waiting: Slot[] = [];
    for (const child of kept.children) {
      // Children added with `add` are not part of the logic, so they cannot come back.
      const spec = specs.get(child.id);
      if (!spec) continue;
      const slot = newSlot(spec);
      slot.view.failures = child.view.failures;
      slot.view.restarts = child.view.restarts;
      slot.view.delayMs = child.view.delayMs;
      slot.pending = { reload: child.pending.reload, messages: [...child.pending.messages] };
      slot.view.pending = pendingSize(slot.pending);
      rt.slots.set(spec.id, slot);
      if (child.view.status === 'running' || child.view.status === 'stopping') {
        start(rt, slot, false, child.run);
      } else {
        slot.view.status = 'backingOff';
        rt.counts.backingOff++;
        rt.snapshot.views[spec.id] = slot.view;
        waiting.push(slot);
      }
    }
    if (waiting.length === 0) return;
    if (mode === 'supervisor') send(rt, { type: HOST_WAIT, delayMs: 0 });
    else {
      const round: Round = {
        id: `r${++rt.timerSeq}`,
        slots: waiting,
        pending: 0,
        delayMs: 0,
        timer: null,
      };
      for (const slot of waiting) slot.round = round;
      rt.rounds.set(round.id, round);
      scheduleRound(rt, round);
    }
  };

  return {
    transition(snapshot, event, scope) {
      if (snapshot.status !== 'active') return snapshot;
      const rt = runtimes.get(scope.self);
      if (!rt) return snapshot;
      if (event.type === 'xstate.stop') {
        for (const slot of rt.slots.values()) {
          const ref = slot.ref;
          detach(rt, slot);
          slot.yielding?.();
          if (ref) stopActor(ref);
        }
        rt.slots.clear();
        runtimes.delete(scope.self);
        return { ...snapshot, status: 'stopped', children: {} };
      }
      rt.scope = scope;
      handle(rt, event);
      rt.openBatches.clear();
      flush(rt);
      return snapshot;
    },
    start(snapshot, scope) {
      const self = scope.self as AnyActorRef & { _send(event: unknown): void };
      guardActor(self, (value, why) =>
        trusted({
          type: HOST_REJECTED,
          reason: why,
          eventType:
            typeof (value as { type?: unknown })?.type === 'string'
              ? (value as EventObject).type
              : undefined,
        }),
      );
      const rt: Runtime = {
        slots: new Map(),
        rounds: new Map(),
        graceBatches: new Map(),
        openBatches: new Map(),
        counts: {
          running: 0,
          stopping: 0,
          backingOff: 0,
          restarts: 0,
          failures: 0,
          droppedMessages: 0,
        },
        window: { count: 0, open: 0 },
        draining: false,
        stopQueue: [],
        stopped: [],
        forced: [],
        failed: false,
        finished: false,
        outbox: [],
        drops: new Map(),
        reported: {
          running: 0,
          stopping: 0,
          backingOff: 0,
          restarts: 0,
          failures: 0,
          droppedMessages: 0,
        },
        dirty: false,
        timerSeq: 0,
        lastOutput: undefined,
        scope,
        snapshot,
        post: (event) => self._send(event),
      };
      runtimes.set(self, rt);
      bySnapshot.set(snapshot, rt);
      const restored = snapshot.restored;
      if (restored) {
        delete snapshot.restored;
        restore(rt, restored);
        flush(rt);
        return;
      }
      for (const spec of initial) {
        const slot = newSlot(spec);
        rt.slots.set(spec.id, slot);
        if (nesting < MAX_NESTED_STARTS) {
          nesting++;
          try {
            start(rt, slot, false);
          } finally {
            nesting--;
          }
        } else {
          // Deep in a tree started in one go: the rest starts on a fresh stack, a microtask
          // later, so 1,000 nested supervisors start (and fail) without a stack overflow.
          rt.counts.running++;
          rt.snapshot.views[spec.id] = slot.view;
          queueMicrotask(() => rt.post(trusted({ type: START_LATER, id: spec.id })));
        }
      }
      flush(rt);
      checkEmpty(rt);
    },
    getInitialSnapshot: (_scope, input) => ({
      status: 'active',
      output: undefined,
      error: undefined,
      children: {},
      views: {},
      input,
    }),
    getPersistedSnapshot: (snapshot) => {
      const rt = bySnapshot.get(snapshot);
      const persisted: ChildHostSnapshot = {
        ...snapshot,
        children: {},
        views: { ...snapshot.views },
      };
      if (!rt) return persisted;
      persisted.restored = {
        children: [...rt.slots.values()].map((slot) => {
          const child: PersistedChild = {
            id: slot.spec.id,
            view: { ...slot.view },
            pending: { reload: slot.pending.reload, messages: [...slot.pending.messages] },
          };
          if (slot.ref && slot.started) child.run = slot.ref.getPersistedSnapshot();
          return child;
        }),
        counts: { ...rt.counts },
        window: rt.window.count,
        draining: rt.draining,
      };
      return persisted;
    },
    restoreSnapshot: (persisted) => {
      const snapshot = persisted as ChildHostSnapshot;
      return {
        status: 'active',
        output: undefined,
        error: undefined,
        children: {},
        views: {},
        input: snapshot.input,
        ...(snapshot.restored ? { restored: snapshot.restored } : {}),
      };
    },
  };
}

/** A child as seen from outside: its id, status and actor (none while backing off). */
export interface ChildSetMember {
  id: string;
  status: ChildStatus;
  ref: AnyActorRef | null;
  /** Consecutive failures (reset by a stable run or a health signal). */
  failures: number;
  /** Restarts made. */
  restarts: number;
  /** The delay of the current or latest restart, in ms. */
  delayMs: number;
}

/**
 * Lists the children a child-host actor holds, in start order, or `undefined` when `ref` is
 * not a running child host. Used to walk a supervision tree through its supervisors and groups.
 *
 * @example
 *
 * ```ts
 * const host = groupActor.getSnapshot().children.children;
 * for (const member of childSetMembers(host) ?? []) console.log(member.id, member.status);
 * ```
 */
export function childSetMembers(ref: AnyActorRef): ChildSetMember[] | undefined {
  const rt = runtimes.get(ref);
  if (!rt) return undefined;
  return [...rt.slots.values()].map((slot) => ({
    id: slot.spec.id,
    status: slot.view.status,
    ref: slot.ref,
    failures: slot.view.failures,
    restarts: slot.view.restarts,
    delayMs: slot.view.delayMs,
  }));
}
