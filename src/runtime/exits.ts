/**
 * A child's run that ended on its own: restart it, drop it, or give up.
 *
 * The decision comes from `policy/restart.ts` (restart type, `shouldRestart`, the restart
 * window). A supervisor's restart that has to wait is shown by its machine (`backingOff`,
 * through XState's delays); a zero delay restarts at once, with one turn of the event loop
 * after every `immediateBeforeYield` of them. A group's restart stops the children the
 * strategy names and starts them again together after the delay (a round, see `rounds.ts`). A
 * health signal or a stable run resets the failure count.
 */
import { onNextTurn } from '../actors/yieldToEventLoop.js';
import { summarizeError } from '../errors.js';
import { backoffDelay } from '../policy/backoff.js';
import { countRestart, decideExit, type WindowTimer } from '../policy/restart.js';
import { continueDrain, drained } from './drain.js';
import { HOST_WAIT, WINDOW_CLOSED, WINDOW_EXPIRED, YIELD_DONE } from './events.js';
import { takeBack } from './messages.js';
import { checkEmpty, fail, lifecycle, send } from './report.js';
import { detach, forget, setStatus, start } from './runs.js';
import { cancel, post, schedule } from './timers.js';
import type { Runtime, Slot } from './types.js';

/** Schedules the timers the restart window asks for. */
export function windowTimers(rt: Runtime, timers: readonly WindowTimer[]): void {
  for (const timer of timers) {
    const type = timer.kind === 'expire' ? WINDOW_EXPIRED : WINDOW_CLOSED;
    schedule(rt, { type, bucket: timer.bucket }, timer.delayMs);
  }
}

/** The child said it is healthy: its failure count and backoff start over. */
export function healthy(rt: Runtime, slot: Slot): void {
  cancel(rt, slot.stable);
  slot.stable = null;
  slot.view.failures = 0;
  slot.view.delayMs = 0;
  slot.streak = 0;
  rt.dirty = true;
  lifecycle(rt, { type: 'child.healthy', supervisorId: rt.config.ownerId, childId: slot.id });
}

/** Whether `shouldRestart` says this error is not worth a restart (a throw says so too). */
function notWorthIt(rt: Runtime, error: unknown, failures: number): boolean {
  const { shouldRestart } = rt.config;
  if (!shouldRestart) return false;
  try {
    return shouldRestart(error, failures) === false;
  } catch {
    return true;
  }
}

/** The child's run has ended on its own (completed or failed) while running. */
export function exited(rt: Runtime, slot: Slot, failed: boolean, result: unknown): void {
  const { config } = rt;
  const { ownerId, mode, strategy } = config;
  const run = slot.ref;
  detach(rt, slot);
  if (run) takeBack(rt, slot, run);
  const childId = slot.id;
  const error = failed ? result : undefined;
  if (!failed) {
    slot.output = result;
    rt.lastOutput = result;
  }
  if (rt.draining || rt.failed) {
    // Ending anyway: record it, restart nothing.
    if (failed) {
      lifecycle(rt, {
        type: 'child.failed',
        supervisorId: ownerId,
        childId,
        error: summarizeError(error),
        failures: slot.view.failures + 1,
      });
    } else lifecycle(rt, { type: 'child.completed', supervisorId: ownerId, childId });
    if (rt.draining) drained(rt, slot, result);
    forget(rt, slot);
    continueDrain(rt);
    return;
  }
  if (failed) {
    slot.view.failures++;
    rt.counts.failures++;
    lifecycle(rt, {
      type: 'child.failed',
      supervisorId: ownerId,
      childId,
      error: summarizeError(error),
      failures: slot.view.failures,
    });
  } else lifecycle(rt, { type: 'child.completed', supervisorId: ownerId, childId });
  const decision = decideExit({
    failed,
    restart: slot.spec.restart,
    scope: mode === 'supervisor' ? 'supervisor' : strategy === 'fail-fast' ? 'fail-fast' : 'group',
    notWorthIt: failed && notWorthIt(rt, error, slot.view.failures),
    recentRestarts: rt.window.count,
    maxRestarts: config.maxRestarts,
  });
  if (decision.kind === 'give-up') {
    // Nobody waiting for it starts: the whole group stops now.
    forget(rt, slot, 'stopped', false);
    fail(rt, { reason: decision.reason, childId, error, failures: slot.view.failures });
    return;
  }
  if (decision.kind === 'drop') {
    forget(rt, slot);
    checkEmpty(rt);
    return;
  }
  if (config.maxRestarts) windowTimers(rt, countRestart(rt.window, config.maxRestarts));
  if (!failed) slot.view.failures++;
  const delayMs = backoffDelay(
    config.backoff,
    slot.view.failures,
    config.random,
    slot.view.delayMs,
  );
  slot.view.delayMs = delayMs;
  setStatus(rt, slot, 'backingOff');
  lifecycle(rt, {
    type: 'restart.scheduled',
    supervisorId: ownerId,
    childId,
    delayMs,
    failures: slot.view.failures,
  });
  if (mode === 'supervisor') restartAlone(rt, slot, delayMs);
  else config.group!.restart(rt, slot, delayMs);
}

/** A supervisor's child restarts: at once, after one turn of the event loop, or after a wait. */
function restartAlone(rt: Runtime, slot: Slot, delayMs: number): void {
  if (delayMs === 0) {
    if (slot.streak < rt.config.immediateBeforeYield) {
      slot.streak++;
      start(rt, slot, true);
      return;
    }
    // A run of immediate restarts: one turn of the event loop first, so that I/O, signals
    // and timers (a shutdown) get in; the machine stays in `running`.
    slot.streak = 0;
    const self = rt.self;
    slot.yielding = onNextTurn(() => post(self, { type: YIELD_DONE, slot }));
    return;
  }
  slot.streak = 0;
  send(rt, { type: HOST_WAIT, delayMs });
}
