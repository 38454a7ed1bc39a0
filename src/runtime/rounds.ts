/**
 * Restart rounds, a group's only: the children its strategy names (one-for-all, rest-for-one)
 * are stopped together and started again together after the delay. A child removed, or a
 * temporary one, leaves its round; a drain cancels every round. Reached through the group's
 * part of the runtime (`groupRuntime.ts`), never from a supervisor's.
 */
import { restartRound } from '../policy/restart.js';
import { stopSlot } from './drain.js';
import { RESTART_DUE } from './events.js';
import { lifecycle } from './report.js';
import { forget, setStatus } from './runs.js';
import { launchInOrder } from './startOrder.js';
import { cancel, schedule } from './timers.js';
import type { Round, Runtime, Slot } from './types.js';

/** A round's restart is due after its delay. */
export function scheduleRound(rt: Runtime, round: Round): void {
  round.timer = schedule(rt, { type: RESTART_DUE, round }, round.delayMs);
}

/** A child leaves its restart round (removed, or dropped as temporary). */
export function leaveRound(rt: Runtime, slot: Slot, wasStopping: boolean): void {
  const round = slot.round;
  if (!round) return;
  slot.round = null;
  round.slots = round.slots.filter((s) => s !== slot);
  if (wasStopping) round.pending--;
  if (round.slots.length === 0) {
    cancel(rt, round.timer);
    rt.rounds.delete(round.id);
  } else if (wasStopping && round.pending === 0) scheduleRound(rt, round);
}

/** A group's child restarts with the children its strategy names, after the delay. */
export function restartWithRound(rt: Runtime, slot: Slot, delayMs: number): void {
  const ids = restartRound(
    rt.config.strategy,
    (function* () {
      for (const other of rt.slots.values()) {
        yield {
          id: other.id,
          running: other.round === null && other.view.status === 'running',
          restart: other.spec.restart,
        };
      }
    })(),
    slot.id,
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
      lifecycle(rt, { type: 'child.stopped', supervisorId: rt.config.ownerId, childId: member.id });
      forget(rt, member);
    } else setStatus(rt, member, 'backingOff');
  }
  if (round.pending === 0) scheduleRound(rt, round);
}

/** A round's delay is over: its children start again, in their order. */
export function roundDue(rt: Runtime, round: Round): void {
  if (rt.rounds.get(round.id) !== round) return;
  rt.rounds.delete(round.id);
  if (rt.draining || rt.failed) return;
  for (const slot of round.slots) {
    if (rt.slots.get(slot.id) === slot && slot.round === round) launchInOrder(rt, slot, true);
  }
}

/**
 * Children restored waiting to restart restart together at once (XState does not persist
 * timers, and the time spent persisted is unknown).
 */
export function restoreRound(rt: Runtime, waiting: Slot[]): void {
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

/** Cancels every round (a drain starts). */
export function cancelRounds(rt: Runtime): void {
  for (const round of rt.rounds.values()) cancel(rt, round.timer);
  rt.rounds.clear();
}
