/**
 * Runs: starting a child's actor, and letting go of it.
 *
 * Each start of a child creates a new actor (XState actors cannot be started twice) with the
 * child's relay as its parent and its id, from the owner's input. A start that throws, or a
 * run that fails at once, is a failure like any other. After a restart with failures, a run
 * that stays up `resetAfterMs` resets the failure count. Deep trees started in one go start
 * further down on a fresh stack (a microtask later), so 1,000 nested supervisors start
 * without a stack overflow.
 */
import { type AnyActorRef, createActor, type Snapshot } from 'xstate';
import { stopActor } from '../actors/guard.js';
import { ERROR_PREFIX, FROM_CHILD, STABLE, START_LATER } from './events.js';
import { leaveGrace } from './grace.js';
import { deliverPending, dropPending, NO_PENDING } from './messages.js';
import { afterStart, launch, runStarted, setReady } from './readiness.js';
import { listenTo, relayOf } from './relay.js';
import { lifecycle } from './report.js';
import { cancel, post, schedule } from './timers.js';
import type { ChildStatus, Runtime, Slot } from './types.js';

/** Runtimes starting their children further up the current stack. */
let nesting = 0;
/** Runtimes nested in one synchronous start before the deeper ones start a microtask later. */
const MAX_NESTED_STARTS = 64;

/** Moves a child to another status, keeping the counts. */
export function setStatus(rt: Runtime, slot: Slot, status: ChildStatus): void {
  // Only a running child counts as ready.
  if (status !== 'running') setReady(rt, slot, false);
  rt.counts[slot.view.status]--;
  rt.counts[status]++;
  slot.view.status = status;
}

/**
 * A child's id: its own, or for a supervisor's child without one, the id the app gave the
 * supervisor (its invoke or spawn id), else the supervisor's `id` option.
 */
export function childIdFor(rt: Runtime, spec: Slot['spec']): string {
  if (spec.id !== undefined) return spec.id;
  const { self } = rt;
  return self.id !== self.sessionId ? self.id : rt.config.ownerId;
}

/** The child id a supervisor's drops are counted under (a group's: `'*'`). */
export function dropId(rt: Runtime): string {
  if (rt.config.mode !== 'supervisor') return '*';
  const spec = rt.config.initial[0];
  return spec ? childIdFor(rt, spec) : '*';
}

/** A new slot for a child. */
export function newSlot(rt: Runtime, spec: Slot['spec']): Slot {
  return {
    id: childIdFor(rt, spec),
    spec,
    ref: null,
    started: false,
    view: { status: 'running', failures: 0, restarts: 0, delayMs: 0, pending: 0, ready: false },
    purpose: null,
    round: null,
    stable: null,
    readyTimer: null,
    waitRestart: false,
    streak: 0,
    grace: null,
    pending: NO_PENDING,
    listening: null,
    yielding: null,
    relay: null,
    output: undefined,
    reloadRun: null,
    reloadAnnounced: false,
  };
}

/**
 * Starts a child's run: the first (`isRestart` false), a restart, or one restored from its
 * persisted snapshot. `announced`: the machine announced the restart itself.
 */
export function start(
  rt: Runtime,
  slot: Slot,
  isRestart: boolean,
  restored?: unknown,
  announced = false,
): void {
  const { spec } = slot;
  slot.purpose = null;
  slot.round = null;
  if (isRestart) {
    slot.view.restarts++;
    rt.counts.restarts++;
    setStatus(rt, slot, 'running');
  } else rt.counts.running++;
  if (!announced) {
    lifecycle(rt, {
      type: 'child.started',
      supervisorId: rt.config.ownerId,
      childId: slot.id,
      restarts: slot.view.restarts,
    });
  }
  const relay = relayOf(rt, slot);
  let input: unknown;
  try {
    input = spec.input(rt.input);
  } catch (error) {
    // The input cannot be made: this start fails like a child that fails at once.
    slot.ref = null;
    slot.started = false;
    post(rt.self, {
      type: FROM_CHILD,
      slot,
      run: null,
      event: { type: ERROR_PREFIX + slot.id, error },
    });
    return;
  }
  let run: AnyActorRef | undefined;
  if (restored !== undefined) {
    // The run's own persisted snapshot, where its logic can restore it; else a fresh run.
    try {
      run = createActor(spec.logic, {
        id: slot.id,
        parent: relay,
        input,
        snapshot: restored as Snapshot<unknown>,
      });
      if (run.getSnapshot()?.status !== 'active') run = undefined;
    } catch {
      run = undefined;
    }
  }
  run ??= createActor(spec.logic, { id: slot.id, parent: relay, input });
  slot.ref = run;
  slot.started = false;
  rt.changed = true;
  slot.listening = listenTo(rt, slot, run);
  run.start();
  if (slot.ref !== run || run.getSnapshot().status !== 'active') return;
  slot.started = true;
  runStarted(rt, slot);
  const { resetAfterMs } = rt.config;
  if ((isRestart || restored !== undefined) && resetAfterMs !== false && slot.view.failures > 0) {
    if (slot.streak === 0) slot.stable = schedule(rt, { type: STABLE, slot, run }, resetAfterMs);
    else {
      // An immediate restart: most such runs fail again within a few microtasks, so the
      // stable-run timer is armed only for a run still running a moment later. No simulated
      // time passes meanwhile, so the reset still comes resetAfterMs after it.
      queueMicrotask(() => {
        if (slot.ref !== run || !slot.started || slot.stable !== null) return;
        if (rt.closed || rt.draining || rt.finished) return;
        slot.stable = schedule(rt, { type: STABLE, slot, run }, resetAfterMs);
      });
    }
  }
  deliverPending(rt, slot);
  if (slot.ref === run) afterStart(rt, slot);
}

/** Starts the initial children (deep trees: on a fresh stack, a microtask later). */
export function startInitial(rt: Runtime, slot: Slot): void {
  if (nesting < MAX_NESTED_STARTS) {
    nesting++;
    try {
      launch(rt, slot, false);
    } finally {
      nesting--;
    }
  } else {
    rt.counts.running++;
    queueMicrotask(() => post(rt.self, { type: START_LATER, slot }));
  }
}

/** The child's run has ended or been stopped: it is no longer among the live children. */
export function detach(rt: Runtime, slot: Slot): void {
  slot.listening?.unsubscribe();
  slot.listening = null;
  if (slot.ref) rt.changed = true;
  slot.ref = null;
  slot.started = false;
  cancel(rt, slot.stable);
  slot.stable = null;
  cancel(rt, slot.readyTimer);
  slot.readyTimer = null;
  setReady(rt, slot, false);
}

/**
 * Lets go of a child for good, dropping what was kept for it. `release`: the children waiting
 * for it may start now (not when supervision is giving up because of it).
 */
export function forget(
  rt: Runtime,
  slot: Slot,
  reason: 'stopped' = 'stopped',
  release = true,
): void {
  slot.yielding?.();
  slot.yielding = null;
  rt.counts[slot.view.status]--;
  rt.slots.delete(slot.id);
  detach(rt, slot);
  leaveGrace(slot);
  dropPending(rt, slot, reason);
  if (release) rt.config.group?.afterForget(rt, slot);
}

/** Stops every run at once, without reports (the owner stops or fails). */
export function stopAll(rt: Runtime): void {
  rt.closed = true;
  for (const slot of rt.slots.values()) {
    const ref = slot.ref;
    detach(rt, slot);
    leaveGrace(slot);
    slot.yielding?.();
    slot.yielding = null;
    if (ref) stopActor(ref);
  }
  for (const round of rt.rounds.values()) cancel(rt, round.timer);
  rt.rounds.clear();
}
