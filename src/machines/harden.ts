/**
 * What a supervision machine needs against what strangers send it, and for its listeners.
 *
 * XState matches internal events by type alone: anybody who sends `xstate.after.backoff…`
 * would be taken for a timer firing. {@link isReal} tells a real `xstate.*` event from a
 * look-alike (`runtime/embed.ts` drops and counts the look-alikes); {@link guardListeners}
 * keeps a listener that throws from ending the process; {@link emitReported} emits what the
 * runtime reported; {@link escalationHop} gives each level of a deep tree a fresh stack.
 */
import { type AnyActorRef, type AnyEventObject, type EventObject, fromPromise } from 'xstate';
import { reportLifecycle } from '../observe.js';

/**
 * The logic a supervisor or group invokes for one microtask before it fails: each level of a
 * deep tree then escalates on a fresh stack (1,000 nested supervisors, no stack overflow).
 */
export const escalationHop = fromPromise(async () => undefined);

interface Scheduled {
  _snapshot?: { _scheduledEvents?: Record<string, unknown> };
  getSnapshot?: () => { _scheduledEvents?: Record<string, unknown> };
}

const DONE_PREFIX = 'xstate.done.actor.';
const ERROR_PREFIX = 'xstate.error.actor.';
const AFTER_PREFIX = 'xstate.after.';

/** Is an `xstate.*` event real, for the machine actor `self` in `snapshot`? */
export function isReal(
  event: AnyEventObject,
  snapshot: { children?: Record<string, AnyActorRef | undefined> },
  self: AnyActorRef,
): boolean {
  const { type } = event;
  if (type === 'xstate.stop') return true;
  if (type.startsWith(DONE_PREFIX) || type.startsWith(ERROR_PREFIX)) {
    const failed = type.startsWith(ERROR_PREFIX);
    const id = type.slice(failed ? ERROR_PREFIX.length : DONE_PREFIX.length);
    const child = snapshot.children?.[id]?.getSnapshot() as
      | { status?: string; error?: unknown; output?: unknown }
      | undefined;
    if (!child) return false;
    return failed
      ? child.status === 'error' && child.error === event.error
      : child.status === 'done' && child.output === event.output;
  }
  if (type.startsWith(AFTER_PREFIX)) {
    // XState removes a delayed event from its scheduler just before delivering it: while it
    // is still pending, an event of its type can only come from somebody else.
    const system = self.system as unknown as Scheduled;
    const pending = system._snapshot?._scheduledEvents ?? system.getSnapshot?.()._scheduledEvents;
    return pending?.[`${self.sessionId}.${type}`] === undefined;
  }
  return false;
}

interface ListenerScope {
  self: AnyActorRef & { eventListeners?: Map<string, Set<(event: EventObject) => void>> };
  emit: (event: EventObject) => void;
  defer: (fn: () => void) => void;
}

interface ListenerScope {
  self: AnyActorRef & { eventListeners?: Map<string, Set<(event: EventObject) => void>> };
  emit: (event: EventObject) => void;
  defer: (fn: () => void) => void;
}

/**
 * Emits the lifecycle events a runtime reported to its machine `self`, after the step, to
 * the machine's listeners (`actor.on(...)`), as XState's `emit` does, and to `observeLifecycle`
 * at once. One action per report instead of one per event keeps an
 * immediate restart cheaper than XState's own re-entry.
 *
 * @example
 *
 * ```ts
 * actions: { report: ({ self, event }) => emitReported(self, event.events) }
 * ```
 */
export function emitReported(self: AnyActorRef, events: readonly EventObject[]): void {
  if (events.length === 0) return;
  reportLifecycle(self, events);
  const scope = (self as unknown as { _actorScope?: ListenerScope })._actorScope;
  if (!scope) return;
  scope.defer(() => {
    for (const event of events) scope.emit(event);
  });
}

/** The actors whose throwing listener has been reported. */
const reportedThrows = new WeakSet<AnyActorRef>();

/**
 * A listener (`actor.on(...)`) that throws is its own failure: XState would rethrow it on a
 * timer, which ends a Node process. The machine's listeners are called here instead, and the
 * first error is reported once on the console; the tree runs on.
 */
export function guardListeners(scope: ListenerScope): void {
  if (scope.self.eventListeners instanceof Map) scope.emit = guardedEmit;
}

/** A guarded machine's `emit` (XState calls it on the machine's scope). */
function guardedEmit(this: ListenerScope, event: EventObject): void {
  const { self } = this;
  const listeners = self.eventListeners!;
  const named = listeners.get(event.type);
  const wildcard = listeners.get('*');
  if (!named && !wildcard) return;
  for (const handler of [...(named ?? []), ...(wildcard ?? [])]) {
    try {
      handler(event);
    } catch (error) {
      if (!reportedThrows.has(self)) {
        reportedThrows.add(self);
        console.error(
          `${self.id}: a listener of "${event.type}" threw (reported once; the tree runs on):`,
          error,
        );
      }
    }
  }
}
