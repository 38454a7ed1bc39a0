/**
 * Persistence of a runtime: what a persisted supervisor or group keeps of its children, and
 * how a restored one starts from it.
 *
 * A child that was running runs again, from its run's persisted snapshot where its logic can
 * restore it; a child that was waiting to restart restarts at once (XState does not persist
 * timers, and the time spent persisted is unknown); failure counts, restart counts and kept
 * messages carry over; restarts that were inside the restart window leave it one full window
 * after the restore. A runtime persisted while shutting down is restored done: its children
 * are not started again.
 */
import { continueDrain } from './drain.js';
import { HOST_WAIT, WINDOW_EXPIRED } from './events.js';
import { scheduleRound } from './exits.js';
import { pendingSize } from './messages.js';
import { send } from './report.js';
import { childIdFor, newSlot, start } from './runs.js';
import { schedule } from './timers.js';
import type { PersistedChild, PersistedHost, Round, Runtime, Slot } from './types.js';

/**
 * What a runtime keeps when its owner is persisted: plain data.
 *
 * @example
 *
 * ```ts
 * const kept = persistRuntime(rt);
 * ```
 */
export function persistRuntime(rt: Runtime): PersistedHost {
  return {
    children: [...rt.slots.values()].map((slot) => {
      const child: PersistedChild = {
        id: slot.id,
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
}

/**
 * Starts a restored runtime from what it kept.
 *
 * @example
 *
 * ```ts
 * restoreRuntime(rt, kept);
 * ```
 */
export function restoreRuntime(rt: Runtime, kept: PersistedHost): void {
  const specs = new Map(rt.config.initial.map((spec) => [childIdFor(rt, spec), spec]));
  rt.counts.restarts = kept.counts.restarts;
  rt.counts.failures = kept.counts.failures;
  rt.counts.droppedMessages = kept.counts.droppedMessages;
  const { maxRestarts } = rt.config;
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
    const slot = newSlot(rt, spec);
    slot.view.failures = child.view.failures;
    slot.view.restarts = child.view.restarts;
    slot.view.delayMs = child.view.delayMs;
    slot.pending = { reload: child.pending.reload, messages: [...child.pending.messages] };
    slot.view.pending = pendingSize(slot.pending);
    rt.slots.set(slot.id, slot);
    if (child.view.status === 'running' || child.view.status === 'stopping') {
      start(rt, slot, false, child.run);
    } else {
      slot.view.status = 'backingOff';
      rt.counts.backingOff++;
      waiting.push(slot);
    }
  }
  if (waiting.length === 0) return;
  if (rt.config.mode === 'supervisor') send(rt, { type: HOST_WAIT, delayMs: 0 });
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
}
