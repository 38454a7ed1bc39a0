/**
 * Readiness: when a child counts as ready.
 *
 * A child that does not signal readiness is ready as soon as its run has started. A child
 * declared to signal (`signalsReady`) is started but not ready until it sends
 * `supervisor.ready`; if `readyTimeoutMs` passes first, its run is stopped and that counts as
 * a failure like any other (counted, backed off, restarted). Every new run starts not ready.
 * Which of a group's children wait for which (`dependsOn`) is the group's part
 * (`startOrder.ts`), told when a child becomes ready.
 */
import { stopActor } from '../actors/guard.js';
import { ReadyTimeoutError } from '../errors.js';
import { READY_TIMEOUT } from './events.js';
import { exited } from './exits.js';
import { lifecycle } from './report.js';
import { start } from './runs.js';
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
  rt.config.group?.becameReady(rt, slot);
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

/** A run started ready at once (no signal): the children it held back may start. */
export function afterStart(rt: Runtime, slot: Slot): void {
  if (slot.view.ready) rt.config.group?.becameReady(rt, slot);
}

/**
 * Starts a child's run; a group's child may wait instead, while a child it depends on is not
 * ready (see `startOrder.ts`). `isRestart`: the slot is counted already (it is backing off).
 */
export function launch(rt: Runtime, slot: Slot, isRestart: boolean): void {
  const group = rt.config.group;
  if (group) group.launch(rt, slot, isRestart);
  else start(rt, slot, isRestart);
}
