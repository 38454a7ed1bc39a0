/**
 * What is kept, delivered and dropped on the way down to a child.
 *
 * Messages and reloads go to a child's run once it has really started. For a child waiting to
 * restart, or whose start failed, they are kept for the first run that starts (up to
 * `maxPending`, a reload counted once); what a failed `fromProcess` run never handled comes
 * back through its ledger. Every message dropped on purpose is counted and reported as one
 * `message.dropped` event per child and reason in a step.
 */
import type { AnyActorRef, EventObject } from 'xstate';
import { takeUndelivered } from '../actors/ledger.js';
import { receivesEvents } from '../actors/shutdownAware.js';
import type { DropReason, LifecycleEvent } from '../lifecycle.js';
import { lifecycle } from './report.js';
import type { Pending, Runtime, Slot } from './types.js';

/**
 * What a child has kept while nothing is: one object shared by every slot, frozen, replaced by
 * a slot's own on the first message kept (an idle child costs no pending lists).
 */
export const NO_PENDING: Pending = Object.freeze({
  reload: false,
  messages: Object.freeze([]) as unknown as EventObject[],
});

/** Messages kept for a run, a reload counted once. */
export const pendingSize = (pending: Pending): number =>
  pending.messages.length + (pending.reload ? 1 : 0);

/**
 * Counts and reports `count` messages dropped on purpose.
 *
 * @example
 *
 * ```ts
 * drop(rt, slot.id, 'overflow', 1, 'chat');
 * ```
 */
export function drop(
  rt: Runtime,
  childId: string,
  reason: DropReason,
  count: number,
  eventType?: string,
): void {
  if (count <= 0) return;
  rt.counts.droppedMessages += count;
  rt.drops ??= new Map();
  const key = `${childId}\u0000${reason}`;
  const merged = rt.drops.get(key);
  if (merged) {
    merged.count += count;
    if (eventType !== undefined) merged.eventType = eventType;
    return;
  }
  const event: LifecycleEvent & { type: 'message.dropped' } = {
    type: 'message.dropped',
    supervisorId: rt.config.ownerId,
    childId,
    count,
    reason,
  };
  if (eventType !== undefined) event.eventType = eventType;
  rt.drops.set(key, event);
  lifecycle(rt, event);
}

/** Keeps a message (or a reload) for the child's next run. */
export function keep(rt: Runtime, slot: Slot, event: EventObject, front = false): void {
  if (slot.pending === NO_PENDING) slot.pending = { reload: false, messages: [] };
  const { pending } = slot;
  if (event.type === 'reload') pending.reload = true;
  else if (front) pending.messages.unshift(event);
  else pending.messages.push(event);
  const over = pending.messages.length - rt.config.maxPending;
  if (over > 0) {
    const dropped = front ? pending.messages.splice(-over) : pending.messages.splice(0, over);
    drop(rt, slot.id, 'overflow', dropped.length, dropped.at(-1)?.type);
  }
  slot.view.pending = pendingSize(pending);
  rt.dirty = true;
}

/**
 * Takes back what a run that ended never handled (its ledger), for the next run. A reload it
 * got back was announced already.
 */
export function takeBack(rt: Runtime, slot: Slot, run: AnyActorRef): void {
  for (const event of takeUndelivered(run)) {
    if (event.type === 'reload' && slot.reloadRun === run) slot.reloadAnnounced = true;
    keep(rt, slot, event);
  }
  if (slot.reloadRun === run) slot.reloadRun = null;
}

/** Drops what was kept for a child that will not run again. */
export function dropPending(rt: Runtime, slot: Slot, reason: DropReason): void {
  const count = pendingSize(slot.pending);
  if (count === 0) return;
  drop(rt, slot.id, reason, count, slot.pending.messages.at(-1)?.type ?? 'reload');
  slot.pending = NO_PENDING;
  slot.view.pending = 0;
  rt.dirty = true;
}

/** Hands what the child's run kept waiting to it, now that it runs. */
export function deliverPending(rt: Runtime, slot: Slot): void {
  const ref = slot.ref;
  if (!ref || pendingSize(slot.pending) === 0) return;
  const { reload, messages } = slot.pending;
  slot.pending = NO_PENDING;
  slot.view.pending = 0;
  rt.dirty = true;
  if (reload) {
    ref.send({ type: 'reload' });
    // Announced once: a reload a failed run never handled, handed back by its ledger, was
    // announced when it was handed to that run.
    if (!slot.reloadAnnounced && receivesEvents(slot.spec.logic)) {
      lifecycle(rt, { type: 'reload.sent', supervisorId: rt.config.ownerId, childId: slot.id });
    }
    slot.reloadAnnounced = false;
    slot.reloadRun = ref;
  }
  for (const message of messages) {
    if (slot.ref !== ref || !slot.started) {
      // The run failed while taking them: the rest waits for the next one.
      keep(rt, slot, message);
      continue;
    }
    ref.send(message);
  }
}

/**
 * A message from the machine for one child: to its run, kept for its next run, or dropped.
 * Returns true when a run got it.
 */
export function deliverTo(rt: Runtime, slot: Slot, message: EventObject): boolean {
  const status = slot.view.status;
  if (status === 'running' && slot.ref && slot.started) {
    slot.ref.send(message);
    // A run that cannot receive events (a promise) got nothing it will act on.
    return receivesEvents(slot.spec.logic);
  }
  if (status !== 'stopping' || slot.purpose === 'restart') keep(rt, slot, message);
  else if (slot.ref && message.type !== 'reload') {
    // Still draining: it may answer, but a reload makes no sense any more.
    slot.ref.send(message);
    return true;
  } else drop(rt, slot.id, 'shutting-down', 1, message.type);
  return false;
}
