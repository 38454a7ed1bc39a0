/**
 * Timers and the runtime's own events, recognised by identity.
 *
 * What the runtime posts to its own actor (a child's event, a timer firing) is an object it
 * made itself and remembers in a private `WeakSet` until it arrives, once. A copy, a `Proxy` or
 * the same object sent again by somebody who saw it in the inspection stream is not that
 * object any more, or no longer remembered: it is a stranger's event. A timer's event is also
 * checked against XState's scheduler: while it is still pending, it cannot have fired.
 *
 * Every timer goes through the actor system's scheduler, so `SimulatedClock` drives them.
 */
import type { AnyActorRef, AnyEventObject } from 'xstate';
import { isOwn, markOwn } from '../actors/guard.js';
import type { Runtime } from './types.js';

interface Internals {
  _send(event: unknown): void;
}

interface Scheduled {
  _snapshot?: { _scheduledEvents?: Record<string, unknown> };
}

/** The scheduler key of a timer's event. */
const timerKeys = new WeakMap<object, string>();

/**
 * Posts an event the runtime made to its own actor's mailbox.
 *
 * @example
 *
 * ```ts
 * post(rt.self, { type: FROM_CHILD, slot, run, event });
 * ```
 */
export function post(self: AnyActorRef, event: AnyEventObject): void {
  (self as unknown as Internals)._send(markOwn(event));
}

/**
 * Tells whether `event`, as it arrives at `self`, is one the runtime made and posted, and
 * forgets it (an event counts once).
 *
 * @example
 *
 * ```ts
 * if (takeOwn(self, event)) handle(rt, event);
 * ```
 */
export function takeOwn(self: AnyActorRef, event: object): boolean {
  if (!isOwn(event)) return false;
  const key = timerKeys.get(event);
  if (key !== undefined && isPending(self, key)) return false;
  return isOwn(event, true);
}

/** Is a scheduled event still waiting in the system's scheduler? */
export function isPending(actor: AnyActorRef, key: string): boolean {
  const system = actor.system as unknown as Scheduled;
  return system._snapshot?._scheduledEvents?.[key] !== undefined;
}

/**
 * Schedules one of the runtime's own events through the system's scheduler; returns its id.
 *
 * @example
 *
 * ```ts
 * slot.stable = schedule(rt, { type: STABLE, slot, run }, resetAfterMs);
 * ```
 */
export function schedule(rt: Runtime, event: AnyEventObject, delayMs: number): string {
  const id = `t${++rt.timerSeq}`;
  const { self } = rt;
  markOwn(event);
  timerKeys.set(event, `${self.sessionId}.${id}`);
  self.system.scheduler.schedule(self, self, event, delayMs, id);
  return id;
}

/**
 * Cancels a timer of the runtime (nothing for `null`).
 *
 * @example
 *
 * ```ts
 * cancel(rt, slot.stable);
 * ```
 */
export function cancel(rt: Runtime, id: string | null): void {
  if (id !== null) rt.self.system.scheduler.cancel(rt.self, id);
}
