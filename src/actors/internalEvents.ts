/**
 * Internal events of the leaf actors (`fromProcess`, `fromChildProcess`, `fromSignals`, the test
 * child): trusted by identity, never by their look.
 *
 * A leaf's logic tells its actor what happened outside the mailbox (a promise settled, a process
 * exited, a signal arrived) by sending itself an internal event. Anybody holding the actor can
 * send an event of the same type, so the type, a field or a mark proves nothing: copies keep the
 * fields, `Object.create(event)` inherits them, a `Proxy` answers whatever it likes, and the
 * inspection stream hands every real event to whoever inspects the system. So an internal event
 * is honoured only when it is the very object the logic made and posted to that actor
 * ({@link postInternal}), and only once ({@link takeInternal} forgets it): a replay of a real
 * event harvested from the inspection stream, sent to any actor, finds nothing to take.
 *
 * {@link guardLeaf} puts a door in front of a leaf's mailbox, as the layer's own guard does for
 * supervisors and groups: a value that is not an event object, one whose `type` cannot be read,
 * and any `xstate.*` event that is not the leaf's own (XState stops an actor through its own
 * stop, never with a sent event) are dropped before XState's mailbox sees them. A stranger's
 * event has its `type` read once, inside a `try`, and nothing else.
 */
import type { AnyActorRef, AnyEventObject, EventObject } from 'xstate';

/** Internal events posted and not taken yet: the event → the actor it was posted to. */
const posted = new WeakMap<object, AnyActorRef>();
/** The `type` of a stranger's event, as the door read it (once). */
const typesRead = new WeakMap<object, string>();
/** Actors whose mailbox has a door. */
const guarded = new WeakSet<AnyActorRef>();

interface Internals {
  _send?: (event: unknown) => void;
}

/**
 * Sends `event` to `self` as one of its internal events: the object is frozen (nobody can change
 * it while it waits in the mailbox) and remembered, so that `self`, and only `self`, honours it,
 * once, through {@link takeInternal}.
 *
 * @example
 *
 * ```ts
 * promise.then((output) => postInternal(self, { type: PROCESS_RESOLVE, output }));
 * ```
 */
export function postInternal(self: AnyActorRef, event: AnyEventObject): void {
  const token = Object.freeze(event);
  posted.set(token, self);
  self.send(token);
}

/**
 * Returns `event` if it is an internal event posted to `self` with {@link postInternal} and not
 * taken yet, and forgets it; otherwise `undefined`. Reads nothing of `event`.
 *
 * @example
 *
 * ```ts
 * transition(snapshot, event, { self }) {
 *   const own = takeInternal<ResolveEvent>(self, event);
 *   if (own?.type === PROCESS_RESOLVE) return { ...snapshot, status: 'done', output: own.output };
 *   // …a stranger's event: never honoured as an internal one
 * }
 * ```
 */
export function takeInternal<T extends EventObject = EventObject>(
  self: AnyActorRef,
  event: unknown,
): T | undefined {
  if (typeof event !== 'object' || event === null || posted.get(event) !== self) return undefined;
  posted.delete(event);
  return event as T;
}

/**
 * The `type` of an event that is not one of the actor's own, read at most once (the door of
 * {@link guardLeaf} has read it already, or it is read here inside a `try`): `''` when it is not
 * an object, the read throws, or the type is not a string.
 *
 * @example
 *
 * ```ts
 * const type = eventType(event);
 * if (type === '' || type.startsWith('xstate.')) return snapshot; // malformed or reserved
 * ```
 */
export function eventType(event: unknown): string {
  if (typeof event !== 'object' || event === null) return '';
  const known = typesRead.get(event);
  if (known !== undefined) return known;
  try {
    const type = (event as { type?: unknown }).type;
    return typeof type === 'string' ? type : '';
  } catch {
    return '';
  }
}

/**
 * Puts a door in front of the mailbox of a leaf actor: its own internal events pass; a value
 * that is not an event object (`null`, `42`, an object whose `type` throws or is not a non-empty
 * string) and any `xstate.*` event that is not its own (a look-alike of its internal events, a
 * sent `xstate.stop`) are dropped; every other event passes as a plain copy of its own fields,
 * read once.
 * Installed once per actor, from the logic's `getInitialSnapshot` and `restoreSnapshot`, so it
 * also guards what is sent before the actor starts; does nothing on an XState whose actors lack
 * the internal `_send`.
 *
 * @example
 *
 * ```ts
 * getInitialSnapshot(scope, input) {
 *   guardLeaf(scope.self);
 *   return { status: 'active', output: undefined, error: undefined, input };
 * }
 * ```
 */
export function guardLeaf(self: AnyActorRef | undefined): void {
  const internals = self as Internals | undefined;
  const send = internals?._send;
  if (!self || typeof send !== 'function' || guarded.has(self)) return;
  guarded.add(self);
  internals!._send = (event: unknown) => {
    if (typeof event !== 'object' || event === null) return;
    if (posted.get(event) === self) return send.call(self, event);
    // A stranger's event is read once, into a plain copy of its own fields: XState reads the
    // `type` of what reaches the mailbox again, outside any `try`, so a getter or a `Proxy`
    // must never get there (one that turned into `xstate.stop` would stop the leaf without
    // its cleanup).
    let copy: Record<string, unknown>;
    let type: unknown;
    try {
      copy = { ...(event as Record<string, unknown>) };
      type = Object.hasOwn(copy, 'type') ? copy.type : (event as { type?: unknown }).type;
    } catch {
      return;
    }
    if (typeof type !== 'string' || type === '' || type.startsWith('xstate.')) return;
    copy.type = type;
    typesRead.set(copy, type);
    send.call(self, copy);
  };
}
