/**
 * The names of the events inside a supervisor or group.
 *
 * Three kinds, none of which a stranger can make count:
 *
 * - the runtime's reports and decisions to its machine (`report`, `wait`, `drained`, …), handed
 *   to the machine within the same step and never through a mailbox;
 * - the machine's commands to its runtime (`start`, `deliver`, `drain`, …), carried out right
 *   after the machine's transition;
 * - what the runtime posts to its own actor (a child's event, a timer), recognised by identity
 *   (`timers.ts`).
 *
 * An event of any of these types that arrives from outside is dropped and counted (`reserved`).
 */

/** The prefix of every internal event of a supervisor or group. */
export const HOST_EVENT_PREFIX = 'xstate.supervision.';
// Runtime → machine.
/** Lifecycle events and counts, in order. */
export const HOST_REPORT = 'xstate.supervision.report';
/** Supervision gives up: a failure that is not restarted, or the restart limit. */
export const HOST_FAILED = 'xstate.supervision.failed';
/** No child is left (each completed and is not restarted). */
export const HOST_EMPTY = 'xstate.supervision.empty';
/** Every child has stopped after a drain. */
export const HOST_DRAINED = 'xstate.supervision.drained';
/** An `add` or `remove` was refused. */
export const HOST_REFUSED = 'xstate.supervision.refused';
/** Supervisor: the child waits `delayMs` (0: one turn of the event loop) before its restart. */
export const HOST_WAIT = 'xstate.supervision.wait';
/** A child sent its parent an event that passes up the tree. */
export const HOST_UP = 'xstate.supervision.up';
/** A child sent its parent one of the layer's control events. */
export const HOST_CONTROL = 'xstate.supervision.control';
/** A child emitted an event. */
export const HOST_EMIT = 'xstate.supervision.emit';
// Machine → runtime.
/** Supervisor: start the child that waits. */
export const HOST_START = 'xstate.supervision.start';
export const HOST_ADD = 'xstate.supervision.add';
export const HOST_REMOVE = 'xstate.supervision.remove';
/** Restart children on request (`ids`, `rolling`), see `replace.ts`. */
export const HOST_RESTART = 'xstate.supervision.restart';
/** Stop every child (`force`: at once); the runtime answers {@link HOST_DRAINED}. */
export const HOST_DRAIN = 'xstate.supervision.drain';
/** A reload or message for the children (the one child, or every child of a group). */
export const HOST_DELIVER = 'xstate.supervision.deliver';
/** An event the machine refused (malformed or reserved), to count and report. */
export const HOST_REJECTED = 'xstate.supervision.rejected';
// Posted by the runtime to its own actor.
export const FROM_CHILD = 'xstate.supervision.fromChild';
export const EMITTED = 'xstate.supervision.emitted';
export const CHILD_SNAPSHOT = 'xstate.supervision.childSnapshot';
export const RUN_STOPPED = 'xstate.supervision.runStopped';
export const RESTART_DUE = 'xstate.supervision.restartDue';
export const GRACE_EXPIRED = 'xstate.supervision.graceExpired';
export const WINDOW_EXPIRED = 'xstate.supervision.windowExpired';
export const WINDOW_CLOSED = 'xstate.supervision.windowClosed';
export const STABLE = 'xstate.supervision.stable';
export const START_LATER = 'xstate.supervision.startLater';
export const YIELD_DONE = 'xstate.supervision.yielded';

/**
 * The event a child sends its parent to say it is healthy again (a client reconnected): its
 * supervisor or group resets that child's failure count, so its next failure waits the
 * shortest backoff. Reserved: never passed up the tree.
 *
 * @example
 *
 * ```ts
 * const client = setup({}).createMachine({
 *   on: { connected: { actions: sendParent({ type: HEALTHY }) } },
 * });
 * ```
 */
export const HEALTHY = 'supervisor.healthy';

export const DONE_PREFIX = 'xstate.done.actor.';
export const ERROR_PREFIX = 'xstate.error.actor.';

/**
 * The event a child sends its parent once it is ready to do its work (a client connected, a
 * server listening). A child declared to signal readiness (`signalsReady`) counts as started
 * but not ready until it sends this, and as failed if `readyTimeoutMs` passes first. Reserved:
 * never passed up the tree.
 *
 * @example
 *
 * ```ts
 * const client = setup({}).createMachine({
 *   on: { connected: { actions: sendParent({ type: READY }) } },
 * });
 * ```
 */
export const READY = 'supervisor.ready';
/** A child declared to signal readiness did not within its `readyTimeoutMs`. */
export const READY_TIMEOUT = 'xstate.supervision.readyTimeout';
