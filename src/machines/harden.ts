/**
 * Hardening a supervision machine against what strangers send it.
 *
 * A supervisor or group is a plain XState machine, and XState matches internal events by type
 * alone: anybody who sends `xstate.error.actor.children` or `xstate.after.backoff…` would be
 * taken for the child host failing or a timer firing. {@link harden} wraps a machine so that
 *
 * - a malformed event (not an object, no string `type`) never reaches XState's mailbox;
 * - an `xstate.*` event is honoured only when it is real: a done or error event when the
 *   child it names really ended so, a delayed event when its timer really fired (it is no
 *   longer pending), the layer's own events when the layer made them;
 * - everything refused becomes one report event, which the machine counts and emits as
 *   `message.dropped`;
 * - if the machine fails for any reason, the actors it started are stopped first, so no child
 *   (and no OS process under it) outlives it.
 *
 * The result is the same machine object, so `matches`, `provide`, the inspector and
 * `xstate/graph` see an ordinary machine.
 */
import {
  type AnyActorRef,
  type AnyEventObject,
  type AnyStateMachine,
  type EventObject,
  fromPromise,
} from 'xstate';
import { HOST_REJECTED } from '../actors/childHost.js';
import { guardActor, isTrusted, stopActor, trusted } from '../actors/guard.js';
import { stopOrphans } from '../actors/orphans.js';

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

function rejected(reason: 'malformed' | 'reserved', value: unknown): EventObject {
  const type = (value as { type?: unknown } | null | undefined)?.type;
  return trusted({
    type: HOST_REJECTED,
    reason,
    eventType: typeof type === 'string' ? type.slice(0, 200) : undefined,
  });
}

/** Is an `xstate.*` event real, for the machine actor `self` in `snapshot`? */
function isReal(
  event: AnyEventObject,
  snapshot: { children?: Record<string, AnyActorRef | undefined> },
  self: AnyActorRef,
): boolean {
  const { type } = event;
  if (type === 'xstate.stop' || isTrusted(event)) return true;
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

const emitters = new WeakMap<AnyActorRef, (events: readonly EventObject[]) => void>();

/**
 * Emits the lifecycle events a child host reported to its machine `self`, after the step, to
 * the machine's listeners (`actor.on(...)`), as XState's `emit` does; `observeLifecycle` hears
 * them from the report itself. One action per report instead of one per event keeps an
 * immediate restart cheaper than XState's own re-entry.
 *
 * @example
 *
 * ```ts
 * actions: { report: ({ self, event }) => emitReported(self, event.events) }
 * ```
 */
export function emitReported(self: AnyActorRef, events: readonly EventObject[]): void {
  if (events.length > 0) emitters.get(self)?.(events);
}

/**
 * A listener (`actor.on(...)`) that throws is its own failure: XState would rethrow it on a
 * timer, which ends a Node process. The machine's listeners are called here instead, and the
 * first error is reported once on the console; the tree runs on.
 */
function guardListeners(scope: ListenerScope): void {
  const listeners = scope.self.eventListeners;
  if (!(listeners instanceof Map)) {
    emitters.set(scope.self, (events) => scope.defer(() => events.forEach(scope.emit)));
    return;
  }
  let reported = false;
  emitters.set(scope.self, (events) => scope.defer(() => events.forEach(scope.emit)));
  scope.emit = (event) => {
    const named = listeners.get(event.type);
    const wildcard = listeners.get('*');
    if (!named && !wildcard) return;
    for (const handler of [...(named ?? []), ...(wildcard ?? [])]) {
      try {
        handler(event);
      } catch (error) {
        if (!reported) {
          reported = true;
          console.error(
            `${scope.self.id}: a listener of "${event.type}" threw (reported once; the tree runs on):`,
            error,
          );
        }
      }
    }
  };
}

/**
 * Wraps `machine` (in place) as described above; `provide` returns a hardened machine too.
 *
 * @example
 *
 * ```ts
 * const machine = harden(setup({ ... }).createMachine({ ... }));
 * ```
 */
export function harden<TMachine extends AnyStateMachine>(machine: TMachine): TMachine {
  const target = machine as unknown as {
    transition: (snapshot: unknown, event: unknown, scope: { self: AnyActorRef }) => unknown;
    start?: (snapshot: unknown, scope: { self: AnyActorRef }) => void;
    provide: (implementations: unknown) => AnyStateMachine;
  };
  const transition = target.transition;
  const start = target.start;
  const provide = target.provide;
  target.transition = function hardenedTransition(snapshot, event, scope) {
    let next = event as AnyEventObject;
    if (next.type.startsWith('xstate.') && !isReal(next, snapshot as never, scope.self)) {
      next = rejected('reserved', next) as AnyEventObject;
    }
    try {
      return transition.call(this, snapshot, next, scope);
    } catch (error) {
      // Failing: nothing this machine started may outlive it.
      const children = (snapshot as { children?: Record<string, AnyActorRef | undefined> })
        .children;
      for (const child of Object.values(children ?? {})) {
        if (!child) continue;
        stopOrphans(child);
        if (child.getSnapshot()?.status === 'active') stopActor(child);
      }
      throw error;
    }
  };
  target.start = function hardenedStart(snapshot, scope) {
    guardActor(scope.self, (value, why) => rejected(why, value));
    guardListeners(scope as unknown as ListenerScope);
    return start?.call(this, snapshot, scope);
  };
  target.provide = function hardenedProvide(implementations) {
    return harden(provide.call(this, implementations));
  };
  return machine;
}
