/**
 * The process group machine: many children, a failure strategy, graceful tree shutdown.
 *
 * `createProcessGroup(options)` returns a plain XState machine. The group is one actor: the
 * supervision runtime inside it (`runtime/`) holds its children, carries out the strategy
 * (fail-fast as the Rust `processmanager` crate, or OTP's one-for-one, one-for-all and
 * rest-for-one) and stops them in parallel or in reverse start order. The machine holds the
 * lifecycle: `running.active` → `running.stopping` on `shutdown` → `stopped` with a report of
 * who stopped in time and who was forced; `running.failing` → `failed` when a child failure
 * (fail-fast) or the restart limit makes the group give up, which reaches its parent through
 * XState's own error channel. Groups and supervisors nest both ways.
 */
import {
  type AnyActorLogic,
  type AnyActorRef,
  type AnyEventObject,
  assign,
  emit,
  enqueueActions,
  type StateMachine,
  setup,
} from 'xstate';
import { CHILD_DROPPED } from '../actors/ledger.js';
import { type ErrorSummary, GroupError, summarizeError } from '../errors.js';
import type { LifecycleEvent, RequestRefusedEvent } from '../lifecycle.js';
import { command, embedRuntime, takeFailure } from '../runtime/embed.js';
import {
  HEALTHY,
  HOST_ADD,
  HOST_CONTROL,
  HOST_DELIVER,
  HOST_DRAIN,
  HOST_DRAINED,
  HOST_EMIT,
  HOST_EMPTY,
  HOST_FAILED,
  HOST_REFUSED,
  HOST_REMOVE,
  HOST_REPORT,
  HOST_RESTART,
  HOST_UP,
  READY,
} from '../runtime/events.js';
import type { GroupedChildren } from '../runtime/reach.js';
import { isFromRuntime } from '../runtime/report.js';
import type { ChildCounts } from '../runtime/types.js';
import { emitReported, escalationHop } from './harden.js';
import { relay } from './relayActions.js';
import type { ChildEmitted } from './supervisor.js';

/** Internal event: the group fails with the error it gave up with. */
export const GROUP_ESCALATE = 'xstate.group.escalate';
/** Refusals kept in the group's context (the most recent ones). */
export const MAX_REFUSALS_KEPT = 20;

export type {
  CheckedChildren,
  GroupChild,
  GroupChildLogic,
  GroupChildRefs,
  GroupContext,
  GroupControlEvent,
  GroupEvent,
  GroupOutput,
  GroupStopReason,
  ProcessGroupOptions,
  Refusal,
} from './groupTypes.js';

import { resolveChild } from './groupChildren.js';
import { groupConfig, requestProblemOf } from './groupOptions.js';
import type {
  GroupChild,
  GroupChildLogic,
  GroupChildRefs,
  GroupContext,
  GroupControlEvent,
  GroupEvent,
  GroupOutput,
  ProcessGroupOptions,
  Refusal,
} from './groupTypes.js';

const escalations = new WeakMap<AnyActorRef, GroupError>();

/**
 * Creates a process group: an XState machine that runs many children under one failure
 * strategy and shuts them all down gracefully.
 *
 * - `'fail-fast'` (default): the first child failure shuts every other child down; once all
 *   have ended, the group fails with a {@link GroupError} whose `cause` is that first error.
 * - `'one-for-one'`, `'one-for-all'`, `'rest-for-one'` (as OTP): a failed child is restarted
 *   alone, with all others, or with those started after it, after the backoff delay; more than
 *   `maxRestarts.count` restarts within `maxRestarts.withinMs` makes the group give up.
 *
 * Completed children are dropped; when none is left the group completes (`idle` keeps a group
 * alive). `shutdown` stops every child within its grace period, then by force, and the output
 * says which stopped in time and which were forced. `add` and `remove` change the children
 * while running; a refused request is emitted (`request.refused`) and kept in the context.
 *
 * Start and shutdown cost linear time in the number of children.
 *
 * @example
 *
 * ```ts
 * import { createActor } from 'xstate';
 * import { createProcessGroup, createSupervisor, fromSignals, idle } from 'xstate-supervisor/node';
 *
 * const app = createProcessGroup({
 *   id: 'app',
 *   strategy: 'one-for-one',
 *   maxRestarts: { count: 10, withinMs: 60_000 },
 *   children: [
 *     { id: 'db', logic: dbPool },
 *     { id: 'api', logic: createSupervisor(httpServer, { backoff: { initialMs: 500 } }) },
 *   ],
 * });
 *
 * const actor = createActor(app).start();
 * actor.send({ type: 'add', child: { id: 'cron', logic: cronJobs } });
 * actor.send({ type: 'shutdown' });
 * // output: { reason: 'shutdown', stopped: ['cron', 'api', 'db'], forced: [], ... }
 * ```
 */
export function createProcessGroup<
  const TChildren extends ReadonlyArray<GroupChild | AnyActorLogic> = [],
>(options: ProcessGroupOptions<TChildren> = {}): ProcessGroupMachine<TChildren> {
  return buildGroup(options as ProcessGroupOptions) as unknown as ProcessGroupMachine<TChildren>;
}

/** The lifecycle events and counts a report (or a decision) carries. */
interface Report {
  events?: LifecycleEvent[];
  counts?: ChildCounts;
}

/** The error of the last `child.failed` among `events`, if any. */
function lastErrorIn(events: readonly LifecycleEvent[] | undefined): ErrorSummary | undefined {
  let lastError: ErrorSummary | undefined;
  for (const lifecycle of events ?? []) {
    if (lifecycle.type === 'child.failed') lastError = lifecycle.error;
  }
  return lastError;
}

/** What a report changes in the context (`recordReport`). */
function reported(event: AnyEventObject): Partial<GroupContext> {
  const { events, counts } = event as unknown as Report;
  if (!events || !counts) return {};
  const lastError = lastErrorIn(events);
  return lastError ? { ...counts, lastError } : counts;
}

/**
 * `running` and each of its states take a report alike (`recordReport`, `emitReport`, no
 * target); no other state takes one. So the runtime takes one without a machine step.
 */
function applyReport(snapshot: unknown, report: AnyEventObject, self: AnyActorRef): unknown {
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

function buildGroup(options: ProcessGroupOptions) {
  const { config, shutdownTimeoutMs } = groupConfig(options, applyReport);
  const id = config.ownerId;
  const { maxRestarts } = config;
  const requestProblem = (event: AnyEventObject) => requestProblemOf(event, shutdownTimeoutMs);

  const names = { supervisorId: id };

  const machine = setup({
    types: {
      context: {} as GroupContext,
      events: {} as GroupControlEvent | { type: string; [key: string]: unknown },
      children: {} as { escalation: 'escalationHop' },
      output: {} as GroupOutput,
      emitted: {} as LifecycleEvent,
    },
    actors: { escalationHop },
    guards: {
      isForced: ({ event }) => event.type === 'shutdown' && event.force === true,
      // An event of a host type sent from outside is not a report of the host.
      fromRuntime: ({ event }) => isFromRuntime(event),
      isValidRequest: ({ event }) => requestProblem(event) === null,
      isCustomMessage: ({ event }) =>
        !event.type.startsWith('xstate.') &&
        event.type !== 'shutdown' &&
        event.type !== 'add' &&
        event.type !== 'remove' &&
        event.type !== 'restartChildren' &&
        event.type !== HEALTHY &&
        event.type !== READY &&
        event.type !== CHILD_DROPPED,
    },
    actions: {
      forward: ({ event, self }) => command(self, { type: HOST_DELIVER, event }),
      forwardAdd: ({ event, self }) =>
        command(self, {
          type: HOST_ADD,
          spec: resolveChild('add', 'child', (event as AnyEventObject).child, 0, shutdownTimeoutMs),
        }),
      forwardRemove: ({ event, self }) =>
        command(self, { type: HOST_REMOVE, id: (event as AnyEventObject).id }),
      forwardRestart: ({ event, self }) => {
        const { ids, rolling } = event as AnyEventObject;
        command(self, {
          type: HOST_RESTART,
          ids: Array.isArray(ids) ? [...ids] : undefined,
          rolling: rolling === true,
        });
      },
      drain: ({ event, self }) =>
        command(self, {
          type: HOST_DRAIN,
          force: event.type === 'shutdown' && event.force === true,
          cause: 'forced-shutdown',
        }),
      forceDrain: ({ self }) =>
        command(self, { type: HOST_DRAIN, force: true, cause: 'forced-shutdown' }),
      reemit: enqueueActions(relay.reemit),
      passUp: enqueueActions(relay.passUp),
      control: enqueueActions(relay.control),
      reject: enqueueActions(relay.reject),
      announceShutdown: emit({ type: 'shutdown.started' as const, ...names, childId: '*' }),
      emitReport: ({ event, self }) =>
        emitReported(self, (event as unknown as { events?: LifecycleEvent[] }).events ?? []),
      recordReport: assign(({ event }) => reported(event)),
      refuse: enqueueActions(({ context, event, enqueue }) => {
        const e = event as AnyEventObject;
        const refusal: Refusal =
          e.type === HOST_REFUSED
            ? { request: e.request, id: e.id, reason: e.reason }
            : {
                request:
                  e.type === 'add' ? 'add' : e.type === 'remove' ? 'remove' : 'restartChildren',
                id:
                  e.type === 'restartChildren'
                    ? null
                    : e.type === 'remove'
                      ? typeof e.id === 'string'
                        ? e.id
                        : null
                      : typeof e.child?.id === 'string'
                        ? e.child.id
                        : null,
                reason: requestProblem(e) ?? 'refused',
              };
        const refused: RequestRefusedEvent = {
          type: 'request.refused',
          ...names,
          childId: refusal.id ?? '?',
          request: refusal.request,
          reason: refusal.reason,
        };
        enqueue.emit(refused);
        enqueue.assign({
          refusals: [...context.refusals, refusal].slice(-MAX_REFUSALS_KEPT),
          refusedCount: context.refusedCount + 1,
        });
      }),
      recordFailure: assign(({ event }) => ({
        lastError: (event as AnyEventObject).error as ErrorSummary,
      })),
      // The report the decision carries and the decision itself, in one assignment.
      recordDrained: assign(({ context, event }) => {
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
      }),
      markCompleted: assign(({ event }) => {
        const next: Partial<GroupContext> = { ...reported(event) };
        next.stopReason = 'completed';
        return next;
      }),
      prepareEscalation: enqueueActions(({ context, event, self, enqueue }) => {
        const failure = takeFailure(self);
        const e = event as AnyEventObject;
        const reason: 'child-failed' | 'max-restarts' =
          failure?.reason === 'max-restarts' || !failure ? 'max-restarts' : 'child-failed';
        const childId = failure?.childId ?? '?';
        const cause = failure?.error ?? e.error;
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
        enqueue.emit({
          type: 'supervisor.gaveUp',
          ...names,
          childId,
          reason: reason === 'max-restarts' ? 'max-restarts' : 'not-restartable',
          error: summary,
        });
      }),
      escalate: ({ self }) => {
        const error = escalations.get(self);
        escalations.delete(self);
        throw (
          error ??
          new GroupError(`group "${id}" gave up`, {
            reason: 'child-failed',
            groupId: id,
            childId: '?',
            cause: undefined,
          })
        );
      },
    },
  }).createMachine({
    id,
    initial: 'running',
    context: {
      running: 0,
      stopping: 0,
      backingOff: 0,
      waiting: 0,
      ready: 0,
      restarts: 0,
      failures: 0,
      lastError: null,
      refusals: [],
      refusedCount: 0,
      stopReason: null,
      stoppedIds: [],
      forcedIds: [],
      droppedMessages: 0,
    },
    states: {
      running: {
        initial: 'active',
        on: {
          [HOST_REPORT]: { guard: 'fromRuntime', actions: ['recordReport', 'emitReport'] },
          [HOST_REFUSED]: {
            guard: 'fromRuntime',
            actions: ['recordReport', 'emitReport', 'refuse'],
          },
          // Decisions that come when no state takes them still carry lifecycle events.
          [HOST_FAILED]: { guard: 'fromRuntime', actions: ['recordReport', 'emitReport'] },
          [HOST_EMPTY]: { guard: 'fromRuntime', actions: ['recordReport', 'emitReport'] },
          [HOST_DRAINED]: { guard: 'fromRuntime', actions: ['recordReport', 'emitReport'] },
          [HOST_EMIT]: { guard: 'fromRuntime', actions: 'reemit' },
          [HOST_UP]: { guard: 'fromRuntime', actions: 'passUp' },
          [HOST_CONTROL]: { guard: 'fromRuntime', actions: 'control' },
          [HEALTHY]: { actions: 'reject' },
          [READY]: { actions: 'reject' },
          [CHILD_DROPPED]: { actions: 'reject' },
          // While stopping or failing too, so that the child set refuses them visibly.
          add: [{ guard: 'isValidRequest', actions: 'forwardAdd' }, { actions: 'refuse' }],
          remove: [{ guard: 'isValidRequest', actions: 'forwardRemove' }, { actions: 'refuse' }],
          restartChildren: [
            { guard: 'isValidRequest', actions: 'forwardRestart' },
            { actions: 'refuse' },
          ],
        },
        states: {
          active: {
            on: {
              shutdown: { target: 'stopping', actions: 'announceShutdown' },
              reload: { actions: 'forward' },
              '*': { guard: 'isCustomMessage', actions: 'forward' },
              [HOST_FAILED]: {
                guard: 'fromRuntime',
                target: 'failing',
                actions: ['recordReport', 'emitReport', 'recordFailure'],
              },
              [HOST_EMPTY]: {
                guard: 'fromRuntime',
                target: '#group-stopped',
                actions: ['emitReport', 'markCompleted'],
              },
            },
          },
          stopping: {
            entry: 'drain',
            on: {
              shutdown: { guard: 'isForced', actions: 'forceDrain' },
              // To the children still stopping; the host drops (and reports) a reload.
              reload: { actions: 'forward' },
              '*': { guard: 'isCustomMessage', actions: 'forward' },
              [HOST_DRAINED]: {
                guard: 'fromRuntime',
                target: '#group-stopped',
                actions: ['emitReport', 'recordDrained'],
              },
            },
          },
          failing: {
            entry: 'drain',
            on: {
              shutdown: { guard: 'isForced', actions: 'forceDrain' },
              reload: { actions: 'forward' },
              '*': { guard: 'isCustomMessage', actions: 'forward' },
              [HOST_DRAINED]: {
                guard: 'fromRuntime',
                target: '#group-failed',
                actions: ['recordReport', 'emitReport', 'prepareEscalation'],
              },
            },
          },
        },
      },
      stopped: { id: 'group-stopped', type: 'final' },
      failed: {
        id: 'group-failed',
        // One microtask before failing, so deep trees escalate on fresh stacks.
        invoke: { id: 'escalation', src: 'escalationHop', onDone: { actions: 'escalate' } },
      },
    },
    output: ({ context }) => ({
      reason: context.stopReason ?? 'shutdown',
      stopped: context.stoppedIds,
      forced: context.forcedIds,
      restarts: context.restarts,
      failures: context.failures,
      droppedMessages: context.droppedMessages,
    }),
  });
  return embedRuntime(machine, config);
}

type BuiltGroup = ReturnType<typeof buildGroup>;

/**
 * The machine type returned by {@link createProcessGroup} for its declared children: it accepts
 * {@link GroupEvent}s and emits the lifecycle events and what its children emit. Children added
 * later with `add` are not known to the types.
 */
export type ProcessGroupMachine<
  TChildren extends ReadonlyArray<GroupChild | AnyActorLogic> = ReadonlyArray<
    GroupChild | AnyActorLogic
  >,
> =
  BuiltGroup extends StateMachine<
    infer TContext,
    infer _TEvent,
    infer TChildActors,
    infer TActor,
    infer TAction,
    infer TGuard,
    infer TDelay,
    infer TStateValue,
    infer TTag,
    infer TInput,
    infer TOutput,
    infer _TEmitted,
    infer TMeta,
    infer TSchema,
    infer TTransitionMeta
  >
    ? StateMachine<
        TContext,
        GroupEvent<TChildren>,
        TChildActors & GroupedChildren<GroupChildRefs<TChildren>>,
        TActor,
        TAction,
        TGuard,
        TDelay,
        TStateValue,
        TTag,
        TInput,
        TOutput,
        LifecycleEvent | ChildEmitted<GroupChildLogic<TChildren[number]>>,
        TMeta,
        TSchema,
        TTransitionMeta
      >
    : never;
