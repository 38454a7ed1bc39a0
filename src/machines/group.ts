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
 *
 * Here: the machine's states. Its guards and actions are in `groupSetup.ts`, what it makes
 * of its runtime's reports in `groupReport.ts`, its options in `groupOptions.ts`, its
 * children's checks in `groupChildren.ts` and its types in `groupTypes.ts`.
 */
import type { AnyActorLogic, StateMachine } from 'xstate';
import { CHILD_DROPPED } from '../actors/ledger.js';
import { GroupError } from '../errors.js';
import type { LifecycleEvent } from '../lifecycle.js';
import { embedRuntime } from '../runtime/embed.js';
import {
  HEALTHY,
  HOST_CONTROL,
  HOST_DRAINED,
  HOST_EMIT,
  HOST_EMPTY,
  HOST_FAILED,
  HOST_REFUSED,
  HOST_REPORT,
  HOST_UP,
  READY,
} from '../runtime/events.js';
import type { GroupedChildren } from '../runtime/reach.js';
import { applyReport } from './groupReport.js';
import { groupSetup } from './groupSetup.js';
import type { ChildEmitted } from './supervisor.js';

/** Internal event: the group fails with the error it gave up with. */
export const GROUP_ESCALATE = 'xstate.group.escalate';
export { MAX_REFUSALS_KEPT } from './groupSetup.js';

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

import { groupConfig } from './groupOptions.js';
import type {
  GroupChild,
  GroupChildLogic,
  GroupChildRefs,
  GroupEvent,
  ProcessGroupOptions,
} from './groupTypes.js';

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

function buildGroup(options: ProcessGroupOptions) {
  const { config, shutdownTimeoutMs } = groupConfig(options, applyReport);
  const id = config.ownerId;
  const machine = groupSetup(config, shutdownTimeoutMs).createMachine({
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
