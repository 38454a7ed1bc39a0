/**
 * The edge guard: what reaches a supervisor, group or child host from outside is an event.
 *
 * XState hands every event to an actor's mailbox before any machine sees it, and an event that
 * is not an object (`actor.send(undefined)`) breaks the mailbox itself: the actor stops
 * processing for good. {@link guardActor} puts a check in front of the mailbox of an actor the
 * library created: a malformed event is replaced by a report of it, and `xstate.stop` sent by
 * somebody else to a running actor is refused (XState stops an actor through its parent, never
 * with a sent event). {@link stopActor} is how the library stops an actor it hosts.
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

const guarded = new WeakSet<AnyActorRef>();

/**
 * The mark of events made by the supervision layer itself: only these are honoured as its
 * internal events. A private symbol, so nobody else can write it, set as a non-enumerable
 * property, so copying an event (`{ ...event }`) does not copy the mark.
 */
const TRUSTED: unique symbol = Symbol('xstate-supervisor.trusted');
const MARK: PropertyDescriptor = { value: true };

/**
 * Marks an event as made by the supervision layer itself, so the host or machine that gets it
 * honours it. Events of the same type made by anybody else are ignored.
 *
 * @example
 *
 * ```ts
 * sendTo(CHILD_HOST_ID, ({ event }) => trusted({ type: HOST_DELIVER, event }));
 * ```
 */
export function trusted<T extends object>(event: T): T {
  return Object.defineProperty(event, TRUSTED, MARK);
}

/**
 * Tells whether an event was made by the supervision layer (see {@link trusted}).
 *
 * @example
 *
 * ```ts
 * guards: { fromHost: ({ event }) => isTrusted(event) }
 * ```
 */
export function isTrusted(event: object): boolean {
  return event instanceof TrustedEvent || (event as { [TRUSTED]?: boolean })[TRUSTED] === true;
}

/**
 * The base of the layer's frequent internal events (a child host's reports): an instance of a
 * class nobody else can reach is trusted at the cost of one `instanceof`, without marking it.
 */
export abstract class TrustedEvent {
  abstract readonly type: string;
}

/**
 * Guards the mailbox of `actor`: a value that is not an event object, and a stop sent to it
 * while it runs, are passed to `reject` instead, which may return an event to deliver in their
 * place (a report), or nothing. Installed once per actor; does nothing on an XState whose actors
 * lack the internal `_send`.
 *
 * @example
 *
 * ```ts
 * start(snapshot, scope) {
 *   guardActor(scope.self, (value, why) => ({ type: 'rejected', why }));
 * }
 * ```
 */
export function guardActor(
  actor: AnyActorRef,
  reject: (value: unknown, why: 'malformed' | 'reserved') => EventObject | undefined,
): void {
  const internals = actor as unknown as Internals;
  const send = internals._send;
  if (typeof send !== 'function' || guarded.has(actor)) return;
  guarded.add(actor);
  internals._send = (event: unknown) => {
    let why: 'malformed' | 'reserved' | undefined;
    if (!isEventObject(event)) why = 'malformed';
    else if (event.type === 'xstate.stop' && actor.getSnapshot()?.status === 'active') {
      why = 'reserved';
    }
    if (why === undefined) return send.call(actor, event);
    const replacement = reject(event, why);
    if (replacement) send.call(actor, replacement);
  };
}

/**
 * Stops an actor the library created, as XState's own `stopChild` does (which refuses actors
 * hosted under a child host's relay).
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
