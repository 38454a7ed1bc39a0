/**
 * The relay up: what a child's run sends its parent, and what it emits.
 *
 * Every run of a child is created with a relay as its parent: an object whose prototype is
 * the supervisor's (or group's) own actor, so the inspector and XState see the owner as the
 * parent, but whose mailbox entry tells the runtime which child, and which run, sent what.
 *
 * - XState's own done and error events count only when the run's snapshot says it really
 *   ended so, with that very result.
 * - The layer's control events (`shutdown`, `reload`, a group's `add`/`remove`) go to the
 *   machine, as if sent to it; `supervisor.healthy` resets that child's failure count;
 *   `supervisor.messagesDropped` is counted.
 * - Every other event is passed up, to be sent on to the owner's own parent; what the run
 *   emits is emitted again by the owner.
 */
import type { AnyActorRef, AnyEventObject, EventObject } from 'xstate';
import { CHILD_DROPPED } from '../actors/ledger.js';
import { stopOrphans } from '../actors/orphans.js';
import { stoppedSlot } from './drain.js';
import {
  CHILD_SNAPSHOT,
  DONE_PREFIX,
  EMITTED,
  ERROR_PREFIX,
  FROM_CHILD,
  HEALTHY,
  HOST_CONTROL,
  HOST_EMIT,
  HOST_UP,
  READY,
  RUN_STOPPED,
} from './events.js';
import { exited, healthy } from './exits.js';
import { drop } from './messages.js';
import { RELAY, runOwner } from './owners.js';
import { childReady } from './readiness.js';
import { send } from './report.js';
import { post } from './timers.js';
import type { Runtime, Slot } from './types.js';

/**
 * Whether anybody hears `type` when `actor` emits it: a listener of its own (`actor.on`), or,
 * through the supervisor or group that emits a child's events again, a listener of that
 * owner, and so on up the tree. Logic that does costly work only for listeners (decoding the
 * output lines of an OS process) asks this, so relaying emitted events costs nothing when
 * nobody listens.
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
    const heard =
      ((listeners.get(type) as Set<unknown> | undefined)?.size ?? 0) +
      ((listeners.get('*') as Set<unknown> | undefined)?.size ?? 0);
    // A run's owner listens to everything it emits, to emit it again: that one listener is
    // the owner's own listeners, one level up.
    const owner = runOwner(current);
    if (heard > (owner ? 1 : 0)) return true;
    current = owner;
  }
  return false;
}

/** What a relay stands for: its owner, and the child whose runs it is the parent of. */
interface RelayTarget {
  owner: AnyActorRef;
  slot: Slot;
}

/** A child's run sent its parent an event (through XState's relay): posted to the owner. */
function relaySend(this: { [RELAY]: RelayTarget }, event: unknown): void {
  const { owner, slot } = this[RELAY];
  post(owner, { type: FROM_CHILD, slot, run: slot.ref, event });
}

/**
 * A child reaches its parent through XState's relay (`sendParent`, `sendBack`, its done and
 * error events), never through the parent's public `send`: whoever calls that holds the
 * supervisor, and speaks to it as a stranger would.
 */
function relayPublicSend(this: { [RELAY]: RelayTarget }, event: unknown): void {
  this[RELAY].owner.send(event as EventObject);
}

/**
 * Every relay reads as its owner (so the inspector and XState see the owner as the parent),
 * except for how it is sent to. One handler for all relays: a relay costs a small object, and
 * the owner's own actor object is left as it is.
 */
const relayHandler: ProxyHandler<RelayTarget> = {
  get(target, key) {
    if (key === '_send') return relaySend;
    if (key === 'send') return relayPublicSend;
    if (key === RELAY) return target;
    return Reflect.get(target.owner, key);
  },
  has: (target, key) => key in target.owner,
  getPrototypeOf: (target) => Object.getPrototypeOf(target.owner),
};

/**
 * The parent every run of a child gets (one per child, made at its first start).
 *
 * @example
 *
 * ```ts
 * createActor(spec.logic, { id: slot.id, parent: relayOf(rt, slot), input });
 * ```
 */
export function relayOf(rt: Runtime, slot: Slot): AnyActorRef {
  if (slot.relay) return slot.relay;
  const owner = rt.self;
  const relay = new Proxy<RelayTarget>({ owner, slot }, relayHandler) as unknown as AnyActorRef;
  slot.relay = relay;
  return relay;
}

/** An actor's own sets of observers and of emitted-event listeners (XState's internals). */
interface Listened {
  observers?: unknown;
  eventListeners?: unknown;
}

/**
 * What a runtime listens to on one run: what it emits, how it ends (a run stopped by somebody
 * else ends without a done or error event, and is an exit all the same, as OTP's `killed`),
 * and, for a supervisor that watches its child, its snapshots. One object per run, posting to
 * the owner. It is itself the run's observer, and its `emitted` the run's listener of every
 * emitted event, put in the run's own sets as `subscribe` and `on('*')` would (without their
 * wrappers: a restart makes one of these); on an XState without those sets, through them.
 */
class RunListener {
  private posted = false;
  /** The run's snapshot at its last step. */
  private seen: unknown;
  /** The run's listeners of `'*'` this listener is in, or what `on('*')` returned. */
  private readonly emitting: Set<unknown> | { unsubscribe(): void };
  private readonly observed: { unsubscribe(): void } | null;
  private readonly emitted: (event: EventObject) => void;

  constructor(
    private readonly rt: Runtime,
    private readonly slot: Slot,
    private readonly run: AnyActorRef,
  ) {
    this.emitted = relayEmitted.bind(this);
    this.seen = run.getSnapshot();
    const { observers, eventListeners } = run as unknown as Listened;
    if (observers instanceof Set && eventListeners instanceof Map) {
      let all = eventListeners.get('*') as Set<unknown> | undefined;
      if (!all) {
        all = new Set();
        eventListeners.set('*', all);
      }
      all.add(this.emitted);
      this.emitting = all;
      observers.add(this);
      this.observed = null;
    } else {
      this.emitting = run.on('*', this.emitted);
      this.observed = run.subscribe(this);
    }
  }

  /** What the run emitted, posted to the owner to be emitted again. */
  emit(event: EventObject): void {
    post(this.rt.self, { type: EMITTED, slot: this.slot, run: this.run, event });
  }

  /**
   * The run took a step. XState tells observers of every step, also of one that left the
   * snapshot as it was (a `fromProcess` asked to shut down): only a new snapshot is a change.
   * A run's last snapshot (done, failed) is not shown either: its end, which follows at once,
   * changes the owner's snapshot anyway.
   */
  next(snapshot: { status?: string } | undefined): void {
    if (snapshot === this.seen) return;
    this.seen = snapshot;
    if (snapshot?.status !== 'active') return;
    if (this.posted || !this.rt.config.watchChild || !wantsSnapshots(this.rt.self)) return;
    this.posted = true;
    post(this.rt.self, { type: CHILD_SNAPSHOT, slot: this.slot, run: this.run, listener: this });
  }

  /** The owner took the snapshot change it was told of. */
  taken(): void {
    this.posted = false;
  }

  complete(): void {
    if (this.run.getSnapshot()?.status !== 'stopped') return;
    post(this.rt.self, { type: RUN_STOPPED, slot: this.slot, run: this.run });
  }

  error(): void {}

  unsubscribe(): void {
    if (this.emitting instanceof Set) this.emitting.delete(this.emitted);
    else this.emitting.unsubscribe();
    if (this.observed) this.observed.unsubscribe();
    else ((this.run as unknown as Listened).observers as Set<unknown>).delete(this);
  }
}

/** A run's listener of everything it emits (called without a `this` by XState). */
function relayEmitted(this: RunListener, event: EventObject): void {
  this.emit(event);
}

/**
 * Listens to a new run: what it emits, how it ends, and (for a supervisor that watches) its
 * snapshots, each posted to the owner.
 */
export function listenTo(rt: Runtime, slot: Slot, run: AnyActorRef): { unsubscribe(): void } {
  return new RunListener(rt, slot, run);
}

/**
 * Whether anybody observes the snapshots of supervisor `owner` besides the supervisor above it
 * (`subscribe`, `useSelector`, a parent's `onSnapshot`). A supervisor renews its snapshot on
 * its child's changes only then: in a deep tree of supervisors nobody watches, a change at the
 * bottom costs nothing at the levels above it. (`childSnapshotOf` of a supervisor's current
 * snapshot reads the child as it is now either way.)
 */
function wantsSnapshots(owner: AnyActorRef): boolean {
  const observers = (owner as unknown as { observers?: Set<unknown> }).observers;
  if (!observers) return true;
  for (const observer of observers) if (!(observer instanceof RunListener)) return true;
  return false;
}

/**
 * A run that failed is stopped as any other, so its cleanup runs: XState fails an actor whose
 * logic threw (a `fromCallback` whose `receive` threw) without its cleanup, and leaves the
 * actors a failed machine started running.
 */
function cleanUpFailedRun(run: AnyActorRef): void {
  stopOrphans(run);
  const actor = run as unknown as {
    logic: { transition(snapshot: unknown, event: unknown, scope: unknown): unknown };
    _actorScope?: unknown;
    getSnapshot(): unknown;
  };
  if ((run.getSnapshot() as { machine?: unknown })?.machine) return;
  try {
    actor.logic.transition(run.getSnapshot(), { type: 'xstate.stop' }, actor._actorScope);
  } catch {
    // Its cleanup failed too; the run has ended either way.
  }
}

/** Something the current run of a child sent its parent. */
function fromChild(rt: Runtime, slot: Slot, run: AnyActorRef | null, event: unknown) {
  if (!event || typeof event !== 'object' || typeof (event as EventObject).type !== 'string') {
    return drop(rt, slot.id, 'malformed', 1);
  }
  const { type } = event as AnyEventObject;
  if (type.startsWith(DONE_PREFIX) || type.startsWith(ERROR_PREFIX)) {
    const failed = type.startsWith(ERROR_PREFIX);
    if (type.slice(failed ? ERROR_PREFIX.length : DONE_PREFIX.length) !== slot.id) {
      return drop(rt, slot.id, 'reserved', 1, type);
    }
    // Only the run's real end counts: its snapshot says so, with this very result.
    const result = failed ? (event as AnyEventObject).error : (event as AnyEventObject).output;
    if (run !== null) {
      const snap = run.getSnapshot() as { status: string; error?: unknown; output?: unknown };
      const real = failed
        ? snap.status === 'error' && snap.error === result
        : snap.status === 'done' && snap.output === result;
      if (!real) return drop(rt, slot.id, 'reserved', 1, type);
      if (failed) cleanUpFailedRun(run);
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
  if (type.startsWith('xstate.')) return drop(rt, slot.id, 'reserved', 1, type);
  if (type === HEALTHY) return healthy(rt, slot);
  if (type === READY) return childReady(rt, slot);
  if (type === CHILD_DROPPED) {
    const count = (event as AnyEventObject).count;
    return drop(rt, slot.id, 'child-buffer', Number.isInteger(count) && count > 0 ? count : 1);
  }
  send(rt, { type: rt.config.controls.has(type) ? HOST_CONTROL : HOST_UP, event });
}

/**
 * The runtime's own events about a child's run: what it sent, emitted, or that its snapshot
 * changed. Returns false for an event of another kind.
 */
export function handleRunEvent(rt: Runtime, event: AnyEventObject): boolean {
  const slot = event.slot as Slot;
  switch (event.type) {
    case FROM_CHILD:
      // From a run that is no longer current (it was stopped): nothing to do.
      if (rt.slots.get(slot.id) === slot && slot.ref === event.run) {
        fromChild(rt, slot, event.run, event.event);
      }
      return true;
    case EMITTED: {
      const emitted = event.event as EventObject;
      if (emitted && typeof emitted.type === 'string') {
        send(rt, { type: HOST_EMIT, event: emitted });
      }
      return true;
    }
    case RUN_STOPPED:
      if (rt.slots.get(slot.id) === slot && slot.ref === event.run) {
        const error = new Error(`child "${slot.id}" was stopped by another actor`);
        if (slot.view.status === 'stopping') stoppedSlot(rt, slot, null, undefined);
        else exited(rt, slot, true, error);
      }
      return true;
    case CHILD_SNAPSHOT:
      (event.listener as RunListener).taken();
      if (rt.slots.get(slot.id) === slot && slot.ref === event.run) rt.changed = true;
      return true;
  }
  return false;
}
