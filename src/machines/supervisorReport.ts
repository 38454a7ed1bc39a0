/**
 * What the supervisor machine makes of its runtime's reports and decisions: the context a
 * report gives ({@link reported}, and {@link applyReport}, which takes a report without a
 * machine step), the context of the supervisor's end ({@link ended}), and giving up
 * ({@link giveUp}: the error it fails with, the event it emits).
 */
import type { AnyActorRef, AnyEventObject } from 'xstate';
import { SupervisorError, type SupervisorFailureReason, summarizeError } from '../errors.js';
import type { GaveUpEvent, LifecycleEvent } from '../lifecycle.js';
import { takeFailure } from '../runtime/embed.js';
import { runtimeOf } from '../runtime/reach.js';
import { dropId } from '../runtime/runs.js';
import type { ChildCounts, ChildView, RuntimeConfig } from '../runtime/types.js';
import { emitReported } from './harden.js';
import type { SupervisorContext } from './supervisorTypes.js';

/** A runtime's report, as the machine reads it. */
export interface Report {
  events: LifecycleEvent[];
  counts: ChildCounts;
  child?: ChildView;
}

/** What a report changes in the context (`recordReport`). */
export function reported(
  context: SupervisorContext,
  event: AnyEventObject,
): Partial<SupervisorContext> {
  const { events, counts, child: view } = event as unknown as Partial<Report>;
  if (!events || !counts) return {};
  let lastError = context.lastError;
  for (const lifecycle of events) {
    if (lifecycle.type === 'child.failed') lastError = lifecycle.error;
  }
  return {
    failures: view ? view.failures : context.failures,
    ready: view ? view.ready && view.status === 'running' : context.ready,
    restarts: counts.restarts,
    nextDelayMs: view ? view.delayMs : context.nextDelayMs,
    pendingMessages: view ? view.pending : 0,
    droppedMessages: counts.droppedMessages,
    lastError,
  };
}

/**
 * The whole context after a report, as one literal of a fixed shape: every field in the
 * object itself. (A copy of XState's context, which `assign` builds with `Object.assign({},
 * …)`, keeps most fields in a separate backing store: about 100 bytes more per supervisor.)
 */
function reportedContext(context: SupervisorContext, report: AnyEventObject): SupervisorContext {
  const changes = reported(context, report);
  const now = changes.restarts === undefined ? context : (changes as SupervisorContext);
  return {
    input: context.input,
    failures: now.failures,
    ready: now.ready,
    restarts: now.restarts,
    nextDelayMs: now.nextDelayMs,
    lastError: now.lastError,
    pendingMessages: now.pendingMessages,
    droppedMessages: now.droppedMessages,
    stopReason: context.stopReason,
    childOutput: context.childOutput,
    forced: context.forced,
  };
}

/**
 * The context at the end of the supervisor: the report the decision carries and the end
 * itself. The fields set after the report's context are already in it, so its layout stays.
 */
export function ended(
  context: SupervisorContext,
  event: AnyEventObject,
  stopReason: NonNullable<SupervisorContext['stopReason']>,
  forced: string[],
  childOutput: unknown,
): SupervisorContext {
  const next = reportedContext(context, event);
  next.pendingMessages = 0;
  next.stopReason = stopReason;
  next.forced = forced;
  next.childOutput = childOutput;
  return next;
}

/**
 * Every state takes a report alike (`recordReport`, `emitReport`, no target), so the runtime
 * takes one without a machine step: a new snapshot with the new context, the same emits.
 */
export function applyReport(snapshot: unknown, report: AnyEventObject, self: AnyActorRef): unknown {
  const before = snapshot as { context: SupervisorContext };
  const context = reportedContext(before.context, report);
  emitReported(self, (report as unknown as Partial<Report>).events ?? []);
  // A plain copy, then the field: the copy takes V8's fast path.
  const next = { ...before };
  next.context = context;
  return next;
}

/** The error each supervisor that gave up fails with, until its machine escalates it. */
const escalations = new WeakMap<AnyActorRef, SupervisorError>();

/**
 * The supervisor gives up (`prepareEscalation`): the error it will fail with (kept for
 * {@link takeEscalation}), the `supervisor.gaveUp` event it emits, and what changes in its
 * context.
 */
export function giveUp(
  context: SupervisorContext,
  event: AnyEventObject,
  self: AnyActorRef,
  config: RuntimeConfig,
): { gaveUp: GaveUpEvent; changes: Pick<SupervisorContext, 'failures' | 'lastError'> } {
  const id = config.ownerId;
  const { maxRestarts } = config;
  const failure = takeFailure(self);
  const childId = dropId(runtimeOf(self)!);
  const reason: SupervisorFailureReason =
    failure && failure.reason !== 'child-failed' ? failure.reason : 'not-restartable';
  const cause = failure ? failure.error : event.error;
  const lastError = failure ? summarizeError(failure.error) : context.lastError;
  const failures = failure?.failures ?? context.failures;
  const what =
    reason === 'max-restarts'
      ? `more than ${maxRestarts?.count} restarts within ${maxRestarts?.withinMs} ms`
      : reason === 'temporary'
        ? 'a temporary child failed and is not restarted'
        : 'the error is not worth a restart (shouldRestart returned false)';
  const detail = lastError ? `: ${lastError.name}: ${lastError.message}` : '';
  escalations.set(
    self,
    new SupervisorError(`supervisor "${id}" gave up on child "${childId}" (${what})${detail}`, {
      reason,
      supervisorId: id,
      failures,
      restarts: context.restarts,
      cause,
    }),
  );
  return {
    gaveUp: { type: 'supervisor.gaveUp', supervisorId: id, childId, reason, error: lastError },
    changes: { failures, lastError },
  };
}

/** The error a supervisor that gave up fails with (read once). */
export function takeEscalation(self: AnyActorRef): SupervisorError | undefined {
  const error = escalations.get(self);
  escalations.delete(self);
  return error;
}
