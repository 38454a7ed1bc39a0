/**
 * Readiness and start order: when a child counts as ready, and which children wait for which.
 *
 * A child that does not signal readiness is ready as soon as its run has started. A child
 * declared to signal (`signalsReady`) is started but not ready until it sends
 * `supervisor.ready`; if `readyTimeoutMs` passes first, its run is stopped and that counts as
 * a failure like any other (counted, backed off, restarted). Every new run starts not ready.
 *
 * A group's child that depends on others (`dependsOn`, or the one before it with
 * `startOrder: 'sequential'`) waits, not started, until each of them is running and ready
 * (OTP's rule: each child is up before the next starts). Restarts take the same path, so a
 * restart round starts its children in the same order. A dependency that is no longer in the
 * group no longer holds anyone back.
 */
import { stopActor } from '../actors/guard.js';
import { ReadyTimeoutError } from '../errors.js';
import { READY_TIMEOUT } from './events.js';
import { exited } from './exits.js';
import { continueReplacing } from './replace.js';
import { lifecycle } from './report.js';
import { setStatus, start } from './runs.js';
import { cancel, schedule } from './timers.js';
import type { Runtime, Slot } from './types.js';

/** A run has just started: ready at once, or its readiness timer starts. */
export function runStarted(rt: Runtime, slot: Slot): void {
  if (!slot.spec.signalsReady) {
    setReady(rt, slot, true);
    return;
  }
  slot.readyTimer = schedule(
    rt,
    { type: READY_TIMEOUT, slot, run: slot.ref },
    slot.spec.readyTimeoutMs,
  );
}

/** Marks the current run ready or not, keeping the counts. */
export function setReady(rt: Runtime, slot: Slot, ready: boolean): void {
  if (slot.view.ready === ready) return;
  slot.view.ready = ready;
  rt.counts.ready += ready ? 1 : -1;
}

/** The current run said it is ready. */
export function childReady(rt: Runtime, slot: Slot): void {
  // A child that does not signal readiness is ready already; a second signal changes nothing.
  if (slot.view.ready || !slot.started || slot.view.status !== 'running') return;
  cancel(rt, slot.readyTimer);
  slot.readyTimer = null;
  setReady(rt, slot, true);
  rt.dirty = true;
  lifecycle(rt, {
    type: 'child.ready',
    supervisorId: rt.config.ownerId,
    childId: slot.id,
    restarts: slot.view.restarts,
  });
  becameReady(rt, slot);
}

/** The readiness timer of a run went off. */
export function readyTimedOut(rt: Runtime, slot: Slot, run: unknown): void {
  if (rt.slots.get(slot.id) !== slot || slot.ref !== run || slot.readyTimer === null) return;
  slot.readyTimer = null;
  if (slot.view.ready || slot.view.status !== 'running') return;
  const ref = slot.ref;
  // Stop the run before the failure is handled, so that nothing it does later counts.
  slot.listening?.unsubscribe();
  slot.listening = null;
  if (ref) stopActor(ref);
  exited(rt, slot, true, new ReadyTimeoutError(slot.id, slot.spec.readyTimeoutMs));
}

/** The dependencies of a child that are not running and ready yet. */
function unready(rt: Runtime, slot: Slot): string[] {
  const missing: string[] = [];
  for (const id of slot.spec.dependsOn) {
    const dep = rt.slots.get(id);
    if (dep && dep !== slot && !(dep.view.status === 'running' && dep.view.ready)) {
      missing.push(id);
    }
  }
  return missing;
}

/**
 * Starts a child's run, or, while a child it depends on is not ready, makes it wait.
 * `isRestart`: the slot is counted already (it is backing off).
 */
export function launch(rt: Runtime, slot: Slot, isRestart: boolean): void {
  const missing = slot.spec.dependsOn.length === 0 ? [] : unready(rt, slot);
  if (missing.length === 0) {
    start(rt, slot, isRestart);
    return;
  }
  if (isRestart) setStatus(rt, slot, 'waiting');
  else {
    slot.view.status = 'waiting';
    rt.counts.waiting++;
  }
  slot.waitRestart = isRestart;
  rt.dirty = true;
  lifecycle(rt, {
    type: 'child.waiting',
    supervisorId: rt.config.ownerId,
    childId: slot.id,
    waitingFor: missing,
  });
}

/** Runtimes starting their waiting children right now, and those asked to look again. */
const busy = new Set<Runtime>();
const again = new Set<Runtime>();

/**
 * Starts the waiting children whose dependencies are all ready now, in their order. A start
 * that makes another child ready at once asks for another pass instead of nesting one, so a
 * long chain starts without a deep stack.
 */
export function startWaiting(rt: Runtime): void {
  if (rt.counts.waiting === 0 || rt.draining || rt.failed || rt.finished) return;
  if (busy.has(rt)) {
    again.add(rt);
    return;
  }
  busy.add(rt);
  try {
    do {
      again.delete(rt);
      for (const slot of [...rt.slots.values()]) {
        if (rt.draining || rt.failed || rt.finished) return;
        if (slot.view.status !== 'waiting' || rt.slots.get(slot.id) !== slot) continue;
        if (unready(rt, slot).length > 0) continue;
        if (slot.waitRestart) start(rt, slot, true);
        else {
          rt.counts.waiting--;
          slot.view.status = 'running';
          start(rt, slot, false);
        }
      }
    } while (again.has(rt) && rt.counts.waiting > 0);
  } finally {
    busy.delete(rt);
    again.delete(rt);
  }
}

/** A child became ready: whoever waited for it may start, a requested restart goes on. */
function becameReady(rt: Runtime, slot: Slot): void {
  startWaiting(rt);
  if (rt.replacing?.awaiting.delete(slot)) continueReplacing(rt);
}

/** A run started ready at once (no signal): the children it held back may start. */
export function afterStart(rt: Runtime, slot: Slot): void {
  if (slot.view.ready) becameReady(rt, slot);
}

/** A child left the group: it holds nobody back any more, and is not waited for. */
export function afterForget(rt: Runtime, slot: Slot): void {
  if (rt.replacing?.awaiting.delete(slot)) continueReplacing(rt);
  startWaiting(rt);
}
