/**
 * Start order, a group's only: which children wait for which.
 *
 * A group's child that depends on others (`dependsOn`, or the one before it with
 * `startOrder: 'sequential'`) waits, not started, until each of them is running and ready
 * (OTP's rule: each child is up before the next starts). Restarts take the same path, so a
 * restart round starts its children in the same order. A dependency that is no longer in the
 * group no longer holds anyone back. A child that becomes ready, or leaves, also lets a
 * requested restart (`replace.ts`) go on. Reached through the group's part of the runtime
 * (`groupRuntime.ts`), never from a supervisor's.
 */
import { continueReplacing } from './replace.js';
import { lifecycle } from './report.js';
import { setStatus, start } from './runs.js';
import type { Runtime, Slot } from './types.js';

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
export function launchInOrder(rt: Runtime, slot: Slot, isRestart: boolean): void {
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
export function becameReady(rt: Runtime, slot: Slot): void {
  startWaiting(rt);
  if (rt.replacing?.awaiting.delete(slot)) continueReplacing(rt);
}

/** A child left the group: it holds nobody back any more, and is not waited for. */
export function afterForget(rt: Runtime, slot: Slot): void {
  if (rt.replacing?.awaiting.delete(slot)) continueReplacing(rt);
  startWaiting(rt);
}
