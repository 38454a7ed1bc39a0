/**
 * Grace periods, shared across a whole actor system.
 *
 * A child asked to stop gets its grace period, then is stopped by force. XState's scheduler
 * scans every scheduled event of the system whenever any actor stops, so one timer per
 * stopping child makes stopping many of them quadratic (an app that shuts down a thousand
 * spawned supervisors at once). Children asked to stop with the same grace period in the same
 * synchronous burst (before the next microtask) share one timer instead, owned by the system's
 * root actor, so it outlives any one of them; each child leaves it as it stops, and the last
 * one cancels it.
 */
import type { AnyActorRef, AnyEventObject } from 'xstate';
import { GRACE_EXPIRED } from './events.js';
import { relayOwner } from './owners.js';
import { isPending, post } from './timers.js';
import type { GraceMember, Runtime, Slot } from './types.js';

interface Batch {
  timeoutMs: number;
  members: Set<GraceMember>;
  root: AnyActorRef;
  id: string;
  event: AnyEventObject;
  open: Map<number, Batch> | null;
  /** The timer is set (see {@link joinGrace}). */
  scheduled: boolean;
}

/** Batches still open to newcomers, per system and grace period. */
const openBatches = new WeakMap<object, Map<number, Batch>>();
let batchSeq = 0;

/** The root actor of the system `actor` belongs to. */
function rootOf(actor: AnyActorRef): AnyActorRef {
  let current = actor;
  for (let parent = current._parent; parent; parent = current._parent) {
    current = relayOwner(parent) ?? parent;
  }
  return current;
}

function fire(batch: Batch, event: unknown): void {
  // Only the scheduler's own delivery, once it is no longer pending, ends the grace period.
  if (event !== batch.event || isPending(batch.root, `${batch.root.sessionId}.${batch.id}`)) return;
  closeBatch(batch);
  for (const member of [...batch.members]) {
    post(member.rt.self, { type: GRACE_EXPIRED, member });
  }
}

const BATCH = Symbol('batch');

/** A grace timer's target fired: the batch it stands for (`this` is the target). */
function fireTarget(this: { [BATCH]: Batch }, event: unknown): void {
  fire(this[BATCH], event);
}

/**
 * A grace timer's target reads as the system's root, except for how it is sent to (one
 * handler for all: the root's own actor object is left as it is).
 */
const timerTarget: ProxyHandler<Batch> = {
  get(batch, key) {
    if (key === '_send') return fireTarget;
    if (key === BATCH) return batch;
    return Reflect.get(batch.root, key);
  },
  has: (batch, key) => key in batch.root,
  getPrototypeOf: (batch) => Object.getPrototypeOf(batch.root),
};

function closeBatch(batch: Batch): void {
  if (batch.open && batch.open.get(batch.timeoutMs) === batch) batch.open.delete(batch.timeoutMs);
  batch.open = null;
}

/**
 * Starts the grace period of a child asked to stop.
 *
 * @example
 *
 * ```ts
 * joinGrace(rt, slot); // stopped by force unless it stops within spec.shutdownTimeoutMs
 * ```
 */
export function joinGrace(rt: Runtime, slot: Slot): void {
  const { system } = rt.self;
  const timeoutMs = slot.spec.shutdownTimeoutMs;
  let open = openBatches.get(system);
  if (!open) {
    open = new Map();
    openBatches.set(system, open);
  }
  let batch = open.get(timeoutMs);
  if (!batch) {
    const root = rootOf(rt.self);
    const id = `xstate.supervision.grace.${++batchSeq}`;
    const created: Batch = {
      timeoutMs,
      members: new Set(),
      root,
      id,
      event: { type: GRACE_EXPIRED },
      open,
      scheduled: false,
    };
    open.set(timeoutMs, created);
    const batches = open;
    // The timer is set when the burst is over (a microtask later: no time has passed, on a
    // real clock or a simulated one), and only if somebody is still stopping: children that
    // stop at once (an idle process, most graceful children) leave no timer to set and cancel.
    queueMicrotask(() => {
      if (batches.get(timeoutMs) === created) closeBatch(created);
      if (created.members.size === 0) return;
      // The timer's target: the root as the inspector sees it, whose mailbox is never used.
      const target = new Proxy(created, timerTarget) as unknown as AnyActorRef;
      system.scheduler.schedule(root, target, created.event, timeoutMs, id);
      created.scheduled = true;
    });
    batch = created;
  }
  const member: GraceMember = { rt, slot, batch };
  batch.members.add(member);
  slot.grace = member;
}

/**
 * Ends a child's grace period (it stopped, or was forced); the last one out cancels the timer.
 *
 * @example
 *
 * ```ts
 * leaveGrace(slot);
 * ```
 */
export function leaveGrace(slot: Slot): void {
  const member = slot.grace;
  if (!member) return;
  slot.grace = null;
  const batch = member.batch as Batch;
  batch.members.delete(member);
  if (batch.members.size === 0) {
    closeBatch(batch);
    if (batch.scheduled) batch.root.system.scheduler.cancel(batch.root, batch.id);
    batch.scheduled = false;
  }
}
