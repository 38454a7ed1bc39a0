/**
 * The actions both machines share: the relay actions, what a supervisor or a group does with
 * what its runtime hands it from a child (an emitted event, an event for its parent, a control
 * event) and with an event it refuses; and the drain, asking its runtime to stop every child.
 * Written once so the two machines keep the same rules; each machine wraps the relay actions
 * in `enqueueActions`.
 */
import type { AnyActorRef, AnyEventObject } from 'xstate';
import type { LifecycleEvent } from '../lifecycle.js';
import { isLifecycleEvent } from '../observe.js';
import { command } from '../runtime/embed.js';
import { HOST_DRAIN, HOST_REJECTED } from '../runtime/events.js';

/** What a relay action is given (a subset of XState's `enqueueActions` arguments). */
export interface RelayArgs {
  event: AnyEventObject;
  self: AnyActorRef;
  enqueue: {
    emit(event: LifecycleEvent): void;
    sendParent(event: AnyEventObject): void;
    raise(event: AnyEventObject): void;
  };
}

function refuse(self: AnyActorRef, reason: 'reserved' | 'no-parent', eventType: string): void {
  command(self, { type: HOST_REJECTED, reason, eventType });
}

/**
 * The relay actions, by name.
 *
 * @example
 *
 * ```ts
 * actions: { reemit: enqueueActions(relay.reemit) }
 * ```
 */
export const relay = {
  /** What the child emitted, emitted again (a nested owner's lifecycle events excepted). */
  reemit({ event, enqueue }: RelayArgs): void {
    const emitted = event.event as AnyEventObject;
    // A nested supervisor's lifecycle events are heard through observeLifecycle already.
    if (!isLifecycleEvent(emitted)) enqueue.emit(emitted as unknown as LifecycleEvent);
  },
  /** What the child sent its parent, sent on to the owner's parent (at a root: dropped, counted). */
  passUp({ event, self, enqueue }: RelayArgs): void {
    const up = event.event as AnyEventObject;
    if (self._parent) enqueue.sendParent(up);
    else refuse(self, 'no-parent', up.type);
  },
  /** A control event the child sent up, handled as if sent to the owner. */
  control({ event, enqueue }: RelayArgs): void {
    enqueue.raise(event.event as AnyEventObject);
  },
  /** An event the owner refuses (a reserved type): counted and reported as dropped. */
  reject({ event, self }: RelayArgs): void {
    refuse(self, 'reserved', event.type);
  },
};

/**
 * The drain actions, by name: `drain` on entering `stopping` (by force for `{ type:
 * 'shutdown', force: true }`), `forceDrain` for a forced shutdown while stopping.
 *
 * @example
 *
 * ```ts
 * actions: { drain: drainActions.drain, forceDrain: drainActions.forceDrain }
 * ```
 */
export const drainActions = {
  drain({ event, self }: { event: AnyEventObject; self: AnyActorRef }): void {
    command(self, {
      type: HOST_DRAIN,
      force: event.type === 'shutdown' && event.force === true,
      cause: 'forced-shutdown',
    });
  },
  forceDrain({ self }: { self: AnyActorRef }): void {
    command(self, { type: HOST_DRAIN, force: true, cause: 'forced-shutdown' });
  },
};
