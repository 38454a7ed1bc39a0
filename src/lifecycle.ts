/**
 * Lifecycle events: what supervisors and groups emit as things happen.
 *
 * They are emitted with XState's `emit`, so `actor.on('*', …)` or `actor.on('child.failed', …)`
 * receives them, and they are plain serializable data, fit for logs, metrics and inspectors.
 * {@link formatLifecycleEvent} renders each one as one readable log line.
 */
import type { ErrorSummary } from './errors.js';

interface Base {
  /** The id of the supervisor or group that emitted the event. */
  supervisorId: string;
  /** The id of the child the event is about. */
  childId: string;
}

/** A child actor was started (first start or restart). */
export interface ChildStartedEvent extends Base {
  type: 'child.started';
  /** Restarts made so far; 0 on the first start. */
  restarts: number;
}
/** A child failed. */
export interface ChildFailedEvent extends Base {
  type: 'child.failed';
  error: ErrorSummary;
  /** Consecutive failures, this one included. */
  failures: number;
}
/** A child completed on its own. */
export interface ChildCompletedEvent extends Base {
  type: 'child.completed';
}
/** A child stopped after being asked to (graceful shutdown or removal). */
export interface ChildStoppedEvent extends Base {
  type: 'child.stopped';
}
/** A child was stopped by force: it outlived its grace period, or a forced shutdown was asked for. */
export interface ChildForcedEvent extends Base {
  type: 'child.forced';
  /** The grace period it was given, in ms. */
  shutdownTimeoutMs: number;
  /** `'grace-period'`: it did not stop in time; `'forced-shutdown'`: `shutdown` with `force: true`. */
  cause: 'grace-period' | 'forced-shutdown';
}
/** A restart was scheduled. */
export interface RestartScheduledEvent extends Base {
  type: 'restart.scheduled';
  delayMs: number;
  failures: number;
}
/** The supervisor gave up and is failing to its parent. */
export interface GaveUpEvent extends Base {
  type: 'supervisor.gaveUp';
  reason: 'max-restarts' | 'not-restartable' | 'temporary';
  error: ErrorSummary | null;
}
/** A graceful shutdown began. */
export interface ShutdownStartedEvent extends Base {
  type: 'shutdown.started';
}
/** A reload was sent to a running child. */
export interface ReloadSentEvent extends Base {
  type: 'reload.sent';
}

/** Why messages were dropped. */
export type DropReason =
  /** More messages waited for the next run than the supervisor keeps. */
  | 'overflow'
  /** They arrived while the child was being shut down, or could not reach it before it stopped. */
  | 'shutting-down'
  /** They were still waiting when the supervisor or group stopped, or the child was removed. */
  | 'stopped'
  /** A group had no child to pass them to. */
  | 'no-child'
  /** Not an event object with a string `type`. */
  | 'malformed'
  /** A type reserved for the supervision layer itself, sent by somebody else. */
  | 'reserved'
  /** A child sent it up, and the root supervisor or group has no parent to pass it to. */
  | 'no-parent'
  /** The child's own buffer was full (a `fromProcess` run with no handler yet). */
  | 'child-buffer';

/** Messages were dropped on purpose; `count` says how many. Nothing is dropped silently. */
export interface MessageDroppedEvent extends Base {
  type: 'message.dropped';
  count: number;
  reason: DropReason;
  /** The type of the (last) dropped event, when it had one. */
  eventType?: string;
}

/** The child said it is healthy: its failure count was reset, so its next failure waits `initialMs`. */
export interface ChildHealthyEvent extends Base {
  type: 'child.healthy';
}

/**
 * A child is ready: it signalled so (`supervisor.ready`). Only children declared to signal
 * readiness emit it; any other child is ready once `child.started`.
 */
export interface ChildReadyEvent extends Base {
  type: 'child.ready';
  /** Restarts made so far; 0 for the first run. */
  restarts: number;
}

/** A child waits to start until the children it depends on are ready. */
export interface ChildWaitingEvent extends Base {
  type: 'child.waiting';
  /** The ids of the children it waits for. */
  waitingFor: string[];
}

/**
 * A `restartChildren` request is done: each child named was stopped and started again, and its
 * new run is ready; or a shutdown ended it first (`cancelled`). `childId` is `'*'`.
 */
export interface RestartFinishedEvent extends Base {
  type: 'restart.finished';
  /** The children restarted, in order. */
  ids: string[];
  /** One at a time, each waiting for the one before to be ready again. */
  rolling: boolean;
  /** A shutdown ended it before every child named was ready again. */
  cancelled?: true;
}

/** A group refused an `add`, `remove` or `restartChildren` request; the group keeps running. */
export interface RequestRefusedEvent extends Base {
  type: 'request.refused';
  request: 'add' | 'remove' | 'restartChildren';
  reason: string;
}

/**
 * Every lifecycle event a supervisor or group emits.
 *
 * @example
 *
 * ```ts
 * const actor = createActor(createSupervisor(worker));
 * actor.on('*', (event: LifecycleEvent) => console.error(formatLifecycleEvent(event)));
 * actor.start();
 * ```
 */
export type LifecycleEvent =
  | ChildStartedEvent
  | ChildFailedEvent
  | ChildCompletedEvent
  | ChildStoppedEvent
  | ChildForcedEvent
  | RestartScheduledEvent
  | GaveUpEvent
  | ShutdownStartedEvent
  | ReloadSentEvent
  | RequestRefusedEvent
  | MessageDroppedEvent
  | ChildHealthyEvent
  | ChildReadyEvent
  | ChildWaitingEvent
  | RestartFinishedEvent;

/**
 * Renders a lifecycle event as one log line.
 *
 * @example
 *
 * ```ts
 * formatLifecycleEvent({ type: 'restart.scheduled', supervisorId: 'api', childId: 'child', delayMs: 400, failures: 2 });
 * // 'api/child: restarting in 400 ms (failure 2)'
 * ```
 */
export function formatLifecycleEvent(event: LifecycleEvent): string {
  const who = event.childId === '*' ? event.supervisorId : `${event.supervisorId}/${event.childId}`;
  switch (event.type) {
    case 'child.started':
      return event.restarts === 0
        ? `${who}: started`
        : `${who}: restarted (restart ${event.restarts})`;
    case 'child.failed':
      return `${who}: failed (failure ${event.failures}): ${event.error.name}: ${event.error.message}`;
    case 'child.completed':
      return `${who}: completed`;
    case 'child.stopped':
      return `${who}: stopped`;
    case 'child.forced':
      return event.cause === 'forced-shutdown'
        ? `${who}: stopped by force (forced shutdown)`
        : `${who}: did not stop within ${event.shutdownTimeoutMs} ms; stopped by force`;
    case 'restart.scheduled':
      return `${who}: restarting in ${Math.round(event.delayMs)} ms (failure ${event.failures})`;
    case 'supervisor.gaveUp':
      return `${who}: gave up (${event.reason})${event.error ? `: ${event.error.message}` : ''}`;
    case 'shutdown.started':
      return `${who}: shutting down`;
    case 'reload.sent':
      return `${who}: reload sent`;
    case 'request.refused':
      return `${who}: ${event.request} refused: ${event.reason}`;
    case 'message.dropped':
      return `${who}: ${event.count} message${event.count === 1 ? '' : 's'} dropped (${event.reason})${event.eventType === undefined ? '' : `: ${JSON.stringify(event.eventType).slice(0, 80)}`}`;
    case 'child.healthy':
      return `${who}: healthy; failure count reset`;
    case 'child.ready':
      return `${who}: ready`;
    case 'child.waiting':
      return `${who}: waiting for ${event.waitingFor.join(', ')} to be ready`;
    case 'restart.finished':
      return `${who}: ${event.rolling ? 'rolling ' : ''}restart of ${event.ids.join(', ')} ${event.cancelled ? 'cancelled by the shutdown' : 'done'}`;
  }
}
