/**
 * Draining: stopping children, one at a time or all together, within their grace periods.
 *
 * A child that handles `shutdown` is sent it and given its grace period (shared timers, see
 * `grace.ts`), then stopped by force; any other child is stopped at once. A drain stops every
 * child, in parallel or in reverse start order, and reports who stopped in time and who was
 * forced (with the paths a nested supervisor or group forced below it). What becomes of a
 * group's child stopped for a restart round, a removal or a replacement is the group's part
 * (`groupRuntime.ts`).
 */
import { stopActor } from '../actors/guard.js';
import { summarizeError } from '../errors.js';
import { HOST_DRAINED } from './events.js';
import { joinGrace, leaveGrace } from './grace.js';
import { takeBack } from './messages.js';
import { lifecycle, send } from './report.js';
import { detach, forget, setStatus } from './runs.js';
import type { Runtime, Slot } from './types.js';

/** The forced paths a supervisor's or group's output lists. */
function forcedIn(output: unknown): string[] {
  const forced = (output as { forced?: unknown } | null | undefined)?.forced;
  return Array.isArray(forced) ? forced.filter((path) => typeof path === 'string') : [];
}

/** Records a child that stopped during a drain (and what it forced below it). */
export function drained(rt: Runtime, slot: Slot, output: unknown): void {
  rt.stopped.push(slot.id);
  for (const path of forcedIn(output)) rt.forced.push(`${slot.id}/${path}`);
}

/** Asks a running child to stop; returns true when it stopped at once. */
export function stopSlot(rt: Runtime, slot: Slot, purpose: NonNullable<Slot['purpose']>): boolean {
  const ref = slot.ref;
  slot.purpose = purpose;
  if (!ref) return true;
  if (!slot.spec.graceful || !slot.started) {
    detach(rt, slot);
    stopActor(ref);
    return true;
  }
  setStatus(rt, slot, 'stopping');
  lifecycle(rt, { type: 'shutdown.started', supervisorId: rt.config.ownerId, childId: slot.id });
  // Asked first, then timed: a child that stops at once is done before its grace period's
  // timer would be set (see grace.ts); what it sends back waits for this step to end.
  ref.send({ type: 'shutdown' });
  joinGrace(rt, slot);
  return false;
}

/** A child has stopped after being asked to (or was forced). */
export function stoppedSlot(
  rt: Runtime,
  slot: Slot,
  forced: 'grace-period' | 'forced-shutdown' | null,
  output: unknown,
  error?: { error: unknown },
): void {
  leaveGrace(slot);
  const run = slot.ref;
  detach(rt, slot);
  if (run) takeBack(rt, slot, run);
  const ownerId = rt.config.ownerId;
  const childId = slot.id;
  if (forced) {
    lifecycle(rt, {
      type: 'child.forced',
      supervisorId: ownerId,
      childId,
      shutdownTimeoutMs: slot.spec.shutdownTimeoutMs,
      cause: forced,
    });
  } else if (error) {
    // It failed while stopping: it has stopped, and the error is worth knowing.
    lifecycle(rt, {
      type: 'child.failed',
      supervisorId: ownerId,
      childId,
      error: summarizeError(error.error),
      failures: slot.view.failures + 1,
    });
  } else lifecycle(rt, { type: 'child.stopped', supervisorId: ownerId, childId });
  const purpose = slot.purpose;
  if (purpose === 'drain') {
    if (forced) rt.forced.push(childId);
    else drained(rt, slot, output);
    if (output !== undefined) rt.lastOutput = output;
    forget(rt, slot);
    continueDrain(rt);
  } else rt.config.group?.stopped(rt, slot, purpose);
}

/** A child stopped at once during a drain. */
function stoppedNow(rt: Runtime, slot: Slot): void {
  lifecycle(rt, { type: 'child.stopped', supervisorId: rt.config.ownerId, childId: slot.id });
  rt.stopped.push(slot.id);
  forget(rt, slot);
}

/** Stops every child (`force`: at once, with that cause); ends with {@link HOST_DRAINED}. */
export function startDrain(rt: Runtime, force: false | 'grace-period' | 'forced-shutdown'): void {
  if (rt.finished) return;
  if (!rt.draining) {
    rt.draining = true;
    rt.config.group?.drainStarts(rt);
    rt.stopQueue = [];
    rt.stopped = [];
    rt.forced = [];
    const running: Slot[] = [];
    for (const slot of [...rt.slots.values()]) {
      if (slot.view.status === 'backingOff' || slot.view.status === 'waiting') {
        // Waiting to (re)start: nothing runs, so it stops at once.
        stoppedNow(rt, slot);
      } else if (slot.view.status === 'stopping') {
        slot.purpose = 'drain';
      } else running.push(slot);
    }
    if (rt.config.shutdownOrder === 'reverse' || force) rt.stopQueue = running;
    else for (const slot of running) if (stopSlot(rt, slot, 'drain')) stoppedNow(rt, slot);
  }
  if (force) {
    // At once, without asking: each child still running is stopped by force.
    for (const slot of [...rt.stopQueue.splice(0), ...rt.slots.values()]) {
      if (rt.slots.get(slot.id) !== slot) continue;
      const ref = slot.ref;
      slot.purpose = 'drain';
      if (ref) stopActor(ref);
      stoppedSlot(rt, slot, force, undefined);
    }
  }
  continueDrain(rt);
}

/** Goes on with a drain: the next child in reverse order, or the end of it. */
export function continueDrain(rt: Runtime): void {
  if (!rt.draining) return;
  // Reverse order: one child at a time, last started first.
  while (rt.counts.stopping === 0 && rt.stopQueue.length > 0) {
    const slot = rt.stopQueue.pop()!;
    if (rt.slots.get(slot.id) !== slot) continue;
    if (stopSlot(rt, slot, 'drain')) stoppedNow(rt, slot);
  }
  if (rt.slots.size === 0 && rt.stopQueue.length === 0) {
    rt.draining = false;
    rt.finished = true;
    send(rt, { type: HOST_DRAINED, stopped: rt.stopped, forced: rt.forced, output: rt.lastOutput });
  }
}
