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
  system: object;
  id: string;
  event: AnyEventObject;
  /** Still open to newcomers: the burst it was made in is not over. */
  open: boolean;
  /** The timer is set (see {@link closeBurst}). */
  scheduled: boolean;
}

/**
 * The batches still open to newcomers, by system. Each closes a microtask after it was made
 * (no time has passed then, on a real clock or a simulated one) and leaves this map, so it
 * holds nothing for long and needs no weak references.
 */
const open = new Map<object, Batch[]>();
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
  if (!batch.open) return;
  batch.open = false;
  const batches = open.get(batch.system);
  if (!batches) return;
  const at = batches.indexOf(batch);
  if (at >= 0) batches.splice(at, 1);
  if (batches.length === 0) open.delete(batch.system);
}

/**
 * A batch's burst is over: it closes, and its timer is set only if somebody is still stopping.
 * Children that stop at once (an idle process, most graceful children) have left by then,
 * since this comes a microtask after they were asked: no timer to set and cancel.
 */
function closeBurst(this: Batch): void {
  closeBatch(this);
  if (this.members.size === 0) return;
  // The timer's target: the root as the inspector sees it, whose mailbox is never used.
  const target = new Proxy(this, timerTarget) as unknown as AnyActorRef;
  this.root.system.scheduler.schedule(this.root, target, this.event, this.timeoutMs, this.id);
  this.scheduled = true;
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
  let batches = open.get(system);
  if (!batches) {
    batches = [];
    open.set(system, batches);
  }
  let batch = batches.find((candidate) => candidate.timeoutMs === timeoutMs);
  if (!batch) {
    batch = {
      timeoutMs,
      members: new Set(),
      root: rootOf(rt.self),
      system,
      id: `xstate.supervision.grace.${++batchSeq}`,
      event: { type: GRACE_EXPIRED },
      open: true,
      scheduled: false,
    };
    batches.push(batch);
    queueMicrotask(closeBurst.bind(batch));
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
