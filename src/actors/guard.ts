/**
 * The edge guard: what reaches a supervisor or group from outside is an event.
 *
 * XState hands every event to an actor's mailbox before any machine sees it, and an event that
 * is not an object (`actor.send(undefined)`) breaks the mailbox itself: the actor stops
 * processing for good. {@link guardActor} puts a check in front of the mailbox of an actor the
 * library created: a malformed event is replaced by a report of it, and `xstate.stop` sent by
 * somebody else to a running actor is refused (XState stops an actor through its parent, never
 * with a sent event). {@link markOwn} and {@link isOwn} recognise the layer's own events by
 * identity. {@link stopActor} is how the library stops an actor it hosts.
 */
import type { AnyActorRef, EventObject } from 'xstate';

/** True for an event object: an object whose `type` is a non-empty string. */
export function isEventObject(value: unknown): value is EventObject {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { type?: unknown }).type === 'string' &&
    (value as { type: string }).type !== ''
  );
}

interface Internals {
  _send?: (event: unknown) => void;
  _stop?: () => void;
}

/** What a guarded actor does with a rejected event: an event to deliver instead, or none. */
type Reject = (
  type: string | undefined,
  why: 'malformed' | 'reserved',
  actor: AnyActorRef,
) => EventObject | undefined;

/** The guarded actors, each with its {@link Reject}. */
const guarded = new WeakMap<AnyActorRef, Reject>();

/** The events the layer made and sent to its own actors, until each arrives (once). */
const own = new WeakSet<object>();

/**
 * Remembers an event the supervision layer made itself, so the actor it is sent to honours it
 * once. Trust rests on identity: a copy, a `Proxy` or the same object sent again by somebody
 * who saw it in the inspection stream is not honoured.
 *
 * @example
 *
 * ```ts
 * sendBack(markOwn({ type: YIELDED }));
 * ```
 */
export function markOwn<T extends object>(event: T): T {
  own.add(event);
  return event;
}

/**
 * Tells whether `event` is one the layer made and has not been received yet (see
 * {@link markOwn}); `take` forgets it, so it counts once.
 *
 * @example
 *
 * ```ts
 * if (isOwn(event, true)) handle(event);
 * ```
 */
export function isOwn(event: object, take = false): boolean {
  return take ? own.delete(event) : own.has(event);
}

/**
 * Guards the mailbox of `actor`: a value that is not an event object, and a stop sent to it
 * while it runs, are passed to `reject` instead, which may return an event to deliver in their
 * place (a report), or nothing; it is also given the actor, so one function can serve them all.
 * Installed once per actor; does nothing on an XState whose actors lack the internal `_send`.
 *
 * @example
 *
 * ```ts
 * start(snapshot, scope) {
 *   guardActor(scope.self, (value, why) => ({ type: 'rejected', why }));
 * }
 * ```
 */
export function guardActor(actor: AnyActorRef, reject: Reject): void {
  const internals = actor as unknown as Internals;
  const send = internals._send;
  if (typeof send !== 'function' || guarded.has(actor)) return;
  guarded.set(actor, reject);
  // XState's own `_send`, from the prototype: one function guards every such actor.
  if (!Object.hasOwn(actor, '_send')) {
    internals._send = guardedSend;
    return;
  }
  internals._send = function guardedOwnSend(event: unknown) {
    if (typeof event === 'object' && event !== null && own.has(event)) {
      return send.call(actor, event);
    }
    const checked = check(actor, event);
    if (checked) send.call(actor, checked);
  };
}

/** The guarded `_send` of an actor whose own is XState's (it is called on the actor). */
function guardedSend(this: AnyActorRef, event: unknown): void {
  const send = (Object.getPrototypeOf(this) as Required<Internals>)._send;
  // The layer's own events pass as they are: recognised by identity, nothing read.
  if (typeof event === 'object' && event !== null && own.has(event)) send.call(this, event);
  else {
    const checked = check(this, event);
    if (checked) send.call(this, checked);
  }
}

/** A stranger's event for `actor`: its plain copy to deliver, a report in its place, or none. */
function check(actor: AnyActorRef, event: unknown): EventObject | undefined {
  const copy = readOnce(event);
  let why: 'malformed' | 'reserved' | undefined;
  if (!copy) why = 'malformed';
  else if (copy.type === 'xstate.stop' && actor.getSnapshot()?.status === 'active') {
    why = 'reserved';
  }
  if (why === undefined) return copy;
  return guarded.get(actor)?.(copy?.type.slice(0, 200), why, actor);
}

/**
 * A stranger's event, read once: a plain copy of its own fields and its `type`, made inside a
 * `try`, so a getter, a `Proxy` or a `type` that changes between reads cannot make the actor
 * see two different events, and a throw while reading makes it malformed (`undefined`).
 */
function readOnce(event: unknown): EventObject | undefined {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) return undefined;
  try {
    const copy = { ...(event as Record<string, unknown>) };
    const type = Object.hasOwn(copy, 'type') ? copy.type : (event as { type?: unknown }).type;
    if (typeof type !== 'string' || type === '') return undefined;
    copy.type = type;
    return copy as EventObject;
  } catch {
    return undefined;
  }
}

/**
 * Stops an actor the library created, as XState's own `stopChild` does (which refuses actors
 * whose parent is a supervisor's or group's relay).
 *
 * @example
 *
 * ```ts
 * stopActor(run);
 * ```
 */
export function stopActor(actor: AnyActorRef): void {
  const internals = actor as unknown as Internals;
  if (typeof internals._stop === 'function') internals._stop();
  else actor.send({ type: 'xstate.stop' });
}

/**
 * Sends `event` from `self` to its parent as XState's `sendParent` and `fromCallback`'s
 * `sendBack` do: through the actor system, so the parent knows who sent it and inspection
 * shows it. Does nothing without a parent.
 *
 * @example
 *
 * ```ts
 * sendToParent(self, { type: 'supervisor.healthy' });
 * ```
 */
export function sendToParent(
  self: AnyActorRef,
  event: EventObject & Record<string, unknown>,
): void {
  const parent = self._parent;
  if (!parent) return;
  const system = self.system as { _relay?: (from: unknown, to: unknown, event: unknown) => void };
  if (typeof system._relay === 'function') system._relay(self, parent, event);
  else parent.send(event);
}
