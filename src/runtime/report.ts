/**
 * What the machine hears from its runtime: lifecycle events, counts and decisions.
 *
 * The runtime gathers the lifecycle events of a step in an outbox and hands them to its
 * machine with the counts after them: attached to a decision (`wait`, `empty`, `drained`,
 * `failed`, `refused`), so the machine takes one step for both, or as a report of their own.
 * These events never go through a mailbox: `embed.ts` hands them to the machine in the same
 * step, so nobody else can make one.
 */
import type { AnyEventObject } from 'xstate';
import { summarizeError } from '../errors.js';
import type { LifecycleEvent } from '../lifecycle.js';
import {
  HOST_DRAINED,
  HOST_EMPTY,
  HOST_FAILED,
  HOST_REFUSED,
  HOST_REPORT,
  HOST_WAIT,
} from './events.js';
import type { ChildCounts, ChildView, HostFailure, Runtime } from './types.js';

/**
 * The empty list a runtime's lists start as, and go back to after each step: shared, frozen
 * (a push on it would throw), replaced by a list of its own on the first push.
 */
export const NOTHING: never[] = Object.freeze([]) as unknown as never[];

/** The runtime's decisions, which carry the lifecycle events that led to them. */
const CARRY_REPORT = new Set([HOST_WAIT, HOST_EMPTY, HOST_DRAINED, HOST_FAILED, HOST_REFUSED]);

/** Lifecycle events handed to the machine in one event at most. */
const REPORT_BATCH = 64;

/** The runtime's event the machine is taking right now (see `embed.ts`), for its guards. */
let delivering: object | null = null;

/**
 * Marks `event` as the runtime's event its machine is taking now; returns the one marked
 * before, to hand back to {@link endDelivery}. While the machine takes it, and only then,
 * {@link isFromRuntime} says so. The events never pass through a mailbox, so nobody else can
 * hand the machine one.
 *
 * @example
 *
 * ```ts
 * const outer = beginDelivery(event);
 * try { next = transition(next, event, scope); } finally { endDelivery(outer); }
 * ```
 */
export function beginDelivery(event: object): object | null {
  const outer = delivering;
  delivering = event;
  return outer;
}

/** Ends a delivery begun with {@link beginDelivery}. */
export function endDelivery(outer: object | null): void {
  delivering = outer;
}

/**
 * Tells whether an event the machine is handling was made by its runtime.
 *
 * @example
 *
 * ```ts
 * guards: { fromRuntime: ({ event }) => isFromRuntime(event) }
 * ```
 */
export function isFromRuntime(event: object): boolean {
  return event === delivering;
}

const sameCounts = (a: ChildCounts, b: ChildCounts) =>
  a.running === b.running &&
  a.stopping === b.stopping &&
  a.backingOff === b.backingOff &&
  a.waiting === b.waiting &&
  a.ready === b.ready &&
  a.restarts === b.restarts &&
  a.failures === b.failures &&
  a.droppedMessages === b.droppedMessages;

/** Adds a lifecycle event to the step's outbox. */
export function lifecycle(rt: Runtime, event: LifecycleEvent): void {
  if (rt.outbox === NOTHING) rt.outbox = [event];
  else rt.outbox.push(event);
}

const supervisorView = (rt: Runtime): ChildView | undefined =>
  rt.config.mode === 'supervisor' ? rt.slots.values().next().value?.view : undefined;

function toMachine(rt: Runtime, event: AnyEventObject): void {
  if (rt.toMachine === NOTHING) rt.toMachine = [event];
  else rt.toMachine.push(event);
}

/**
 * Hands the lifecycle events gathered so far to the machine, in bounded batches.
 *
 * @example
 *
 * ```ts
 * flush(rt); // at the end of every step
 * ```
 */
export function flush(rt: Runtime): void {
  rt.drops?.clear();
  if (rt.outbox.length === 0 && !rt.dirty && sameCounts(rt.counts, rt.reported)) return;
  // Reports never change the counts they carry, so the last one reported is kept as is.
  const counts = { ...rt.counts };
  rt.reported = counts;
  rt.dirty = false;
  const events = rt.outbox;
  rt.outbox = NOTHING;
  const view = supervisorView(rt);
  const child = view ? { ...view } : undefined;
  // XState runs a step's emits from a queue that costs O(length) per item, so one batch
  // per child of a large group would make reporting quadratic.
  for (let i = 0; i < Math.max(events.length, 1); i += REPORT_BATCH) {
    toMachine(rt, {
      type: HOST_REPORT,
      events: events.length <= REPORT_BATCH ? events : events.slice(i, i + REPORT_BATCH),
      counts,
      child,
    });
  }
}

/**
 * Hands a decision to the machine, with the lifecycle events that led to it and the counts
 * after them (one event, so the machine takes one step), or after them when they are many.
 *
 * @example
 *
 * ```ts
 * send(rt, { type: HOST_WAIT, delayMs });
 * ```
 */
export function send(rt: Runtime, event: AnyEventObject): void {
  if (rt.outbox.length <= REPORT_BATCH && CARRY_REPORT.has(event.type)) {
    rt.drops?.clear();
    event.events = rt.outbox;
    event.counts = { ...rt.counts };
    const child = supervisorView(rt);
    if (child) event.child = { ...child };
    rt.outbox = NOTHING;
    rt.reported = event.counts;
    rt.dirty = false;
  } else flush(rt);
  toMachine(rt, event);
}

/** No child is left: the owner completes (a group may get new ones with `add`). */
export function checkEmpty(rt: Runtime): void {
  if (rt.slots.size === 0 && !rt.draining && !rt.failed && !rt.finished) {
    rt.finished = rt.config.mode === 'supervisor';
    send(rt, { type: HOST_EMPTY, output: rt.lastOutput });
  }
}

/** Supervision gives up: the machine fails with this failure. */
export function fail(rt: Runtime, failure: HostFailure): void {
  if (rt.failed || rt.draining || rt.finished) return;
  rt.failed = true;
  rt.failure = failure;
  send(rt, {
    type: HOST_FAILED,
    reason: failure.reason,
    childId: failure.childId,
    error: summarizeError(failure.error),
  });
}

/** An `add` or `remove` the runtime refused. */
export function refuse(
  rt: Runtime,
  request: 'add' | 'remove' | 'restartChildren',
  id: unknown,
  reason: string,
): void {
  send(rt, { type: HOST_REFUSED, request, id: typeof id === 'string' ? id : null, reason });
}
