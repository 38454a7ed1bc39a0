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

import type { EventObject } from 'xstate';
import { describe } from '../policy/options.js';
import { continueDrain } from './drain.js';
import { HOST_WAIT, WINDOW_EXPIRED } from './events.js';
import { pendingSize } from './messages.js';
import { runtimeOf } from './reach.js';
import { send } from './report.js';
import { childIdFor, newSlot, start } from './runs.js';
import { schedule } from './timers.js';
import type { ChildView, PersistedChild, PersistedHost, Runtime, Slot } from './types.js';

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
    schedule(rt, { type: WINDOW_EXPIRED, bucket: { count: kept.window } }, maxRestarts.withinMs);
  }
  if (kept.draining) {
    rt.draining = true;
    rt.stopQueue = [];
    rt.stopped = kept.children.map((child) => child.id);
    rt.forced = [];
    continueDrain(rt);
    return;
  }
  const waiting: Slot[] = [];
  const single = rt.config.mode === 'supervisor' ? rt.config.initial[0] : undefined;
  for (const child of kept.children) {
    // A supervisor's one child comes back whatever id the restored actor has; a group's
    // children added with `add` are not part of the logic, so they cannot come back.
    const spec = single ?? specs.get(child.id);
    if (!spec || rt.slots.has(childIdFor(rt, spec))) continue;
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
  else rt.config.group!.restore(rt, waiting);
}

const STATUSES = new Set(['running', 'stopping', 'backingOff', 'waiting']);

function wrong(field: string, value: unknown, expected: string): never {
  throw new TypeError(
    `restoring a supervision snapshot: "${field}" is ${describe(value).slice(0, 80)}; expected ${expected}`,
  );
}

function count(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    wrong(field, value, 'a finite number ≥ 0');
  }
  return value;
}

/**
 * Checks the supervision part of a persisted snapshot before anything is restored from it:
 * its shape, types and ranges, and no child twice. Throws a `TypeError` naming the field, the
 * value and what was expected.
 *
 * @example
 *
 * ```ts
 * const kept = checkPersisted(JSON.parse(stored).supervision);
 * ```
 */
export function checkPersisted(value: unknown): PersistedHost {
  const field = 'supervision';
  if (typeof value !== 'object' || value === null) wrong(field, value, 'an object');
  const kept = value as Record<string, unknown>;
  if (!Array.isArray(kept.children)) wrong(`${field}.children`, kept.children, 'an array');
  const ids = new Set<string>();
  const children = (kept.children as unknown[]).map((entry, i) => {
    const at = `${field}.children[${i}]`;
    if (typeof entry !== 'object' || entry === null) wrong(at, entry, 'an object');
    const child = entry as Record<string, unknown>;
    if (typeof child.id !== 'string' || child.id === '') wrong(`${at}.id`, child.id, 'an id');
    if (ids.has(child.id)) wrong(`${at}.id`, child.id, 'an id not used twice');
    ids.add(child.id);
    const view = child.view as Record<string, unknown> | null;
    if (typeof view !== 'object' || view === null) wrong(`${at}.view`, view, 'an object');
    if (!STATUSES.has(view.status as string)) {
      wrong(`${at}.view.status`, view.status, '"running", "stopping", "backingOff" or "waiting"');
    }
    const pending = child.pending as Record<string, unknown> | null;
    if (typeof pending !== 'object' || pending === null)
      wrong(`${at}.pending`, pending, 'an object');
    if (typeof pending.reload !== 'boolean')
      wrong(`${at}.pending.reload`, pending.reload, 'a boolean');
    if (!Array.isArray(pending.messages))
      wrong(`${at}.pending.messages`, pending.messages, 'an array');
    const messages = (pending.messages as unknown[]).map((message, j) => {
      const type = (message as { type?: unknown } | null)?.type;
      if (typeof type !== 'string' || type === '') {
        wrong(`${at}.pending.messages[${j}]`, message, 'an event object');
      }
      return message as EventObject;
    });
    const restored: PersistedChild = {
      id: child.id,
      view: {
        status: view.status as ChildView['status'],
        failures: count(`${at}.view.failures`, view.failures),
        restarts: count(`${at}.view.restarts`, view.restarts),
        delayMs: count(`${at}.view.delayMs`, view.delayMs),
        pending: messages.length + (pending.reload ? 1 : 0),
        ready: false,
      },
      pending: { reload: pending.reload as boolean, messages },
    };
    if (child.run !== undefined) restored.run = child.run;
    return restored;
  });
  const counts = kept.counts as Record<string, unknown> | null;
  if (typeof counts !== 'object' || counts === null) wrong(`${field}.counts`, counts, 'an object');
  if (typeof kept.draining !== 'boolean') wrong(`${field}.draining`, kept.draining, 'a boolean');
  return {
    children,
    counts: {
      running: 0,
      stopping: 0,
      backingOff: 0,
      waiting: 0,
      ready: 0,
      restarts: count(`${field}.counts.restarts`, counts.restarts),
      failures: count(`${field}.counts.failures`, counts.failures),
      droppedMessages: count(`${field}.counts.droppedMessages`, counts.droppedMessages),
    },
    window: Math.floor(count(`${field}.window`, kept.window)),
    draining: kept.draining,
  };
}

/** The top-level state of a machine snapshot's value. */
function topState(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null) return Object.keys(value)[0];
  return undefined;
}

/** A supervisor in `running.stopping`, or a group in `running.stopping` or `running.failing`. */
export function isDraining(snapshot: unknown): boolean {
  const value = (snapshot as { value?: unknown }).value;
  if (topState(value) !== 'running' || typeof value !== 'object' || value === null) return false;
  const sub = (value as Record<string, unknown>).running;
  return sub === 'stopping' || sub === 'failing';
}

/**
 * A persisted snapshot whose state has ended (`stopped`, `failed`) must not say it is still
 * active: restored so, it would wait forever for an end that already came.
 */
export function checkEnding(persisted: Record<string, unknown>): void {
  const top = topState(persisted.value);
  if ((top === 'stopped' || top === 'failed') && persisted.status === 'active') {
    throw new TypeError(
      `restoring a supervision snapshot: "value" is "${top}" with "status" "active"; expected a state that is running or backing off, or a status that has ended`,
    );
  }
}

/** Persisted runtimes of restored snapshots, until their actor starts. */
const restoring = new WeakMap<object, PersistedHost>();

/** The key of a runtime's part in a persisted snapshot. */
const PERSISTED_KEY = 'supervision';

/**
 * A machine's persisted snapshot with its runtime's part (`supervision`); a supervisor's run
 * is left out of `children`, as the runtime persists it itself.
 *
 * @example
 *
 * ```ts
 * target.getPersistedSnapshot = (snapshot, options) =>
 *   persistWithRuntime(snapshot, options, persist, true);
 * ```
 */
export function persistWithRuntime(
  snapshot: unknown,
  options: unknown,
  persist: (snapshot: unknown, options?: unknown) => unknown,
  exposeChild: boolean,
): unknown {
  const rt = runtimeOf(snapshot as object);
  const snap = snapshot as { children: Record<string, unknown> };
  let stripped: unknown = snapshot;
  if (rt && exposeChild) {
    const children = { ...snap.children };
    for (const id of rt.slots.keys()) delete children[id];
    stripped = { ...snap, children };
  }
  const persisted = persist(stripped, options) as Record<string, unknown>;
  if (rt && !rt.closed) persisted[PERSISTED_KEY] = persistRuntime(rt);
  return persisted;
}

/**
 * Restores a machine's snapshot and keeps its runtime's part, checked first, for the start
 * ({@link takeRestoring}): a bad part is an error naming its field, and nothing has started.
 *
 * @example
 *
 * ```ts
 * target.restoreSnapshot = (persisted, scope) => restoreWithRuntime(persisted, scope, restore);
 * ```
 */
export function restoreWithRuntime(
  persisted: unknown,
  scope: unknown,
  restore: (snapshot: unknown, scope: unknown) => unknown,
): unknown {
  const { [PERSISTED_KEY]: kept, ...rest } = persisted as Record<string, unknown>;
  const checked = kept === undefined ? undefined : checkPersisted(kept);
  checkEnding(rest);
  const snapshot = restore(rest, scope) as object;
  if (checked) restoring.set(snapshot, checked);
  return snapshot;
}

/** The runtime's part kept for a restored snapshot (read once, when its actor starts). */
export function takeRestoring(snapshot: object): PersistedHost | undefined {
  const kept = restoring.get(snapshot);
  restoring.delete(snapshot);
  return kept;
}
