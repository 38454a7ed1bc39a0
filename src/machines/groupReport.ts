/**
 * What the group machine makes of its runtime's reports and decisions: the context a report
 * gives ({@link reported}, and {@link applyReport}, which takes a report without a machine
 * step), the context at the end of a drain ({@link drained}), and giving up ({@link giveUp}:
 * the error it fails with, the event it emits).
 */
import type { AnyActorRef, AnyEventObject } from 'xstate';
import { type ErrorSummary, GroupError, summarizeError } from '../errors.js';
import type { GaveUpEvent, LifecycleEvent } from '../lifecycle.js';
import { takeFailure } from '../runtime/embed.js';
import type { ChildCounts, RuntimeConfig } from '../runtime/types.js';
import type { GroupContext } from './groupTypes.js';
import { emitReported } from './harden.js';

/** The lifecycle events and counts a report (or a decision) carries. */
export interface Report {
  events?: LifecycleEvent[];
  counts?: ChildCounts;
}

/** The error of the last `child.failed` among `events`, if any. */
export function lastErrorIn(
  events: readonly LifecycleEvent[] | undefined,
): ErrorSummary | undefined {
  let lastError: ErrorSummary | undefined;
  for (const lifecycle of events ?? []) {
    if (lifecycle.type === 'child.failed') lastError = lifecycle.error;
  }
  return lastError;
}

/** What a report changes in the context (`recordReport`). */
export function reported(event: AnyEventObject): Partial<GroupContext> {
  const { events, counts } = event as unknown as Report;
  if (!events || !counts) return {};
  const lastError = lastErrorIn(events);
  return lastError ? { ...counts, lastError } : counts;
}

/**
 * `running` and each of its states take a report alike (`recordReport`, `emitReport`, no
 * target); no other state takes one. So the runtime takes one without a machine step.
 */
export function applyReport(snapshot: unknown, report: AnyEventObject, self: AnyActorRef): unknown {
  const before = snapshot as { value: unknown; context: GroupContext };
  const value = before.value;
  if (typeof value !== 'object' || value === null || !('running' in value)) return snapshot;
  const context = { ...before.context };
  Object.assign(context, reported(report));
  emitReported(self, (report as unknown as { events?: LifecycleEvent[] }).events ?? []);
  // A plain copy, then the field: the copy takes V8's fast path.
  const next = { ...before };
  next.context = context;
  return next;
}

/** What the end of a drain changes in the context: the report it carries and the end itself. */
export function drained(context: GroupContext, event: AnyEventObject): Partial<GroupContext> {
  const e = event as unknown as Report & { stopped: string[]; forced: string[] };
  // One literal of a fixed shape: adding fields to a copy of the counts costs V8 a
  // change of the object's layout per field.
  const counts = e.counts ?? context;
  return {
    running: 0,
    stopping: 0,
    backingOff: 0,
    waiting: counts.waiting,
    ready: counts.ready,
    restarts: counts.restarts,
    failures: counts.failures,
    droppedMessages: counts.droppedMessages,
    lastError: (e.counts && lastErrorIn(e.events)) ?? context.lastError,
    stoppedIds: e.stopped,
    forcedIds: e.forced,
    stopReason: e.forced.length > 0 ? ('forced' as const) : ('shutdown' as const),
  };
}

/** The error each group that gave up fails with, until its machine escalates it. */
const escalations = new WeakMap<AnyActorRef, GroupError>();

/**
 * The group gives up (`prepareEscalation`): the error it will fail with (kept for
 * {@link takeEscalation}) and the `supervisor.gaveUp` event it emits.
 */
export function giveUp(
  context: GroupContext,
  event: AnyEventObject,
  self: AnyActorRef,
  config: RuntimeConfig,
): GaveUpEvent {
  const id = config.ownerId;
  const { maxRestarts } = config;
  const failure = takeFailure(self);
  const reason: 'child-failed' | 'max-restarts' =
    failure?.reason === 'max-restarts' || !failure ? 'max-restarts' : 'child-failed';
  const childId = failure?.childId ?? '?';
  const cause = failure?.error ?? event.error;
  // The error the group gives up with, not a later one reported while it drained.
  const summary = cause === undefined ? context.lastError : summarizeError(cause);
  const what =
    reason === 'max-restarts'
      ? `more than ${maxRestarts?.count} restarts within ${maxRestarts?.withinMs} ms`
      : `child "${childId}" failed`;
  escalations.set(
    self,
    new GroupError(
      `group "${id}" gave up (${what})${summary ? `: ${summary.name}: ${summary.message}` : ''}`,
      { reason, groupId: id, childId, cause },
    ),
  );
  return {
    type: 'supervisor.gaveUp',
    supervisorId: id,
    childId,
    reason: reason === 'max-restarts' ? 'max-restarts' : 'not-restartable',
    error: summary,
  };
}

/** The error a group that gave up fails with (read once). */
export function takeEscalation(self: AnyActorRef, id: string): GroupError {
  const error = escalations.get(self);
  escalations.delete(self);
  return (
    error ??
    new GroupError(`group "${id}" gave up`, {
      reason: 'child-failed',
      groupId: id,
      childId: '?',
      cause: undefined,
    })
  );
}
