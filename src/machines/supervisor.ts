/**
 * The supervisor machine: one child actor, restarted with exponential backoff when it fails.
 *
 * `createSupervisor(child, options)` returns a plain XState machine, so it can be the root of
 * an app (`createActor`), invoked or spawned by another machine, watched in an inspector and
 * walked by `xstate/graph`. The supervisor is one actor: its machine holds the lifecycle, and
 * the supervision runtime inside the same actor (`runtime/`) starts, stops and restarts the
 * child, keeps what is sent to it until a run has really started, and passes what it sends
 * its parent on up. The child is the supervisor's own child (`snapshot.children[id]`,
 * `childOf`). The machine holds the lifecycle: `running` while the child runs (an immediate restart stays there),
 * `backingOff` while a restart waits for its delay through XState's scheduler, `running.stopping`
 * while the child drains after `shutdown`, and `stopped`. Giving up (restart limit, an error not
 * worth a restart, a failed temporary child) fails the supervisor through XState's own error
 * channel, which is how supervisors nest.
 *
 * Here: the machine's states. Its guards and actions are in `supervisorSetup.ts`, what it
 * makes of its runtime's reports in `supervisorReport.ts`, its options in
 * `supervisorOptions.ts` and its types in `supervisorTypes.ts`.
 */
import type { AnyActorLogic, EventFromLogic, OutputFrom, StateMachine } from 'xstate';
import { CHILD_DROPPED } from '../actors/ledger.js';
import { YIELDED } from '../actors/yieldToEventLoop.js';
import { SupervisorError } from '../errors.js';
import type { LifecycleEvent } from '../lifecycle.js';
import { embedRuntime } from '../runtime/embed.js';
import {
  HEALTHY,
  HOST_CONTROL,
  HOST_DRAINED,
  HOST_EMIT,
  HOST_EMPTY,
  HOST_FAILED,
  HOST_REPORT,
  HOST_UP,
  HOST_WAIT,
  READY,
} from '../runtime/events.js';
import type { SupervisedChildren } from '../runtime/reach.js';
import { applyReport } from './supervisorReport.js';
import { supervisorSetup } from './supervisorSetup.js';

export {
  type ChildEmitted,
  type ChildShutdown,
  DEFAULT_SHUTDOWN_TIMEOUT_MS,
  IMMEDIATE_RESTARTS_BEFORE_YIELD,
  MAX_PENDING_MESSAGES,
  type SupervisorContext,
  type SupervisorControlEvent,
  type SupervisorEvent,
  type SupervisorInputOption,
  type SupervisorOptions,
  type SupervisorOutput,
  type SupervisorStopReason,
} from './supervisorTypes.js';

import { supervisorConfig } from './supervisorOptions.js';
import type {
  ChildEmitted,
  SupervisorEvent,
  SupervisorOptions,
  SupervisorOutput,
} from './supervisorTypes.js';

function buildSupervisor(child: AnyActorLogic, options: SupervisorOptions<AnyActorLogic, unknown>) {
  const config = { ...supervisorConfig(child, options), applyReport };
  const id = config.ownerId;

  const machine = supervisorSetup(config).createMachine({
    id,
    initial: 'running',
    context: ({ input }) => ({
      input,
      failures: 0,
      ready: false,
      restarts: 0,
      nextDelayMs: 0,
      lastError: null,
      pendingMessages: 0,
      droppedMessages: 0,
      stopReason: null,
      childOutput: undefined,
      forced: [],
    }),
    on: {
      [HOST_REPORT]: { guard: 'fromRuntime', actions: ['recordReport', 'emitReport'] },
      [HOST_EMIT]: { guard: 'fromRuntime', actions: 'reemit' },
      [HOST_UP]: { guard: 'fromRuntime', actions: 'passUp' },
      [HOST_CONTROL]: { guard: 'fromRuntime', actions: 'control' },
      [HOST_FAILED]: {
        guard: 'fromRuntime',
        target: '.failed',
        actions: ['recordReport', 'emitReport', 'prepareEscalation'],
      },
      // Decisions that come when no state takes them still carry lifecycle events.
      [HOST_WAIT]: { guard: 'fromRuntime', actions: ['recordReport', 'emitReport'] },
      [HOST_EMPTY]: { guard: 'fromRuntime', actions: ['recordReport', 'emitReport'] },
      [HOST_DRAINED]: { guard: 'fromRuntime', actions: ['recordReport', 'emitReport'] },
      [HEALTHY]: { actions: 'reject' },
      [READY]: { actions: 'reject' },
      [CHILD_DROPPED]: { actions: 'reject' },
    },
    states: {
      running: {
        id: 'supervisor-running',
        initial: 'active',
        states: {
          active: {
            on: {
              shutdown: { target: 'stopping' },
              reload: { actions: 'deliver' },
              '*': { guard: 'isCustomMessage', actions: 'deliver' },
              [HOST_WAIT]: [
                {
                  guard: 'yields',
                  target: '#supervisor-yielding',
                  actions: ['recordReport', 'emitReport', 'recordWait'],
                },
                {
                  guard: 'fromRuntime',
                  target: '#supervisor-waiting',
                  actions: ['recordReport', 'emitReport', 'recordWait'],
                },
              ],
              [HOST_EMPTY]: {
                guard: 'fromRuntime',
                target: '#supervisor-stopped',
                actions: ['emitReport', 'recordCompleted'],
              },
            },
          },
          stopping: {
            id: 'supervisor-stopping',
            // The grace period runs in the runtime, one timer shared by everything asked to
            // stop at once (see runtime/grace.ts).
            entry: 'drain',
            on: {
              shutdown: { guard: 'isForced', actions: 'forceDrain' },
              reload: { actions: 'deliver' },
              '*': { guard: 'isCustomMessage', actions: 'deliver' },
              [HOST_DRAINED]: {
                guard: 'fromRuntime',
                target: '#supervisor-stopped',
                actions: ['emitReport', 'recordDrained'],
              },
            },
          },
        },
      },
      backingOff: {
        initial: 'waiting',
        on: {
          shutdown: { target: '#supervisor-stopping' },
          reload: { actions: 'deliver' },
          '*': { guard: 'isCustomMessage', actions: 'deliver' },
        },
        states: {
          waiting: {
            id: 'supervisor-waiting',
            after: {
              backoff: {
                target: '#supervisor-running',
                actions: ['announceRestart', 'countRestart', 'startChild'],
              },
            },
            on: {
              // A restored wait (XState does not persist timers): the restart comes at once.
              [HOST_WAIT]: {
                guard: 'yields',
                target: 'yielding',
                actions: ['recordReport', 'emitReport', 'recordWait'],
              },
            },
          },
          yielding: {
            id: 'supervisor-yielding',
            invoke: { id: 'yield', src: 'yieldToEventLoop' },
            on: {
              [YIELDED]: {
                target: '#supervisor-running',
                actions: ['announceRestart', 'countRestart', 'startChild'],
              },
            },
          },
        },
      },
      stopped: {
        id: 'supervisor-stopped',
        type: 'final',
      },
      failed: {
        // One turn of the microtask queue before failing: each level of a deep tree fails on
        // a fresh stack, so 1,000 nested supervisors escalate without a stack overflow.
        invoke: { id: 'escalation', src: 'escalationHop', onDone: { actions: 'escalate' } },
      },
    },
    output: ({ context }) => {
      const output: SupervisorOutput = {
        reason: context.stopReason ?? 'shutdown',
        restarts: context.restarts,
        failures: context.failures,
        lastError: context.lastError,
        forced: context.forced,
        droppedMessages: context.droppedMessages,
      };
      if (context.childOutput !== undefined) output.output = context.childOutput;
      return output;
    },
  });
  return embedRuntime(machine, config);
}

/** The machine {@link createSupervisor} builds, before its types are narrowed to its child's. */
type BuiltSupervisor = ReturnType<typeof buildSupervisor>;

/**
 * The machine type returned by {@link createSupervisor} for child logic `TLogic`: it accepts
 * the child's events and the supervisor's own, takes the supervisor's input, outputs
 * {@link SupervisorOutput} with the child's output, and emits the lifecycle events and what the
 * child emits.
 */
export type SupervisorMachine<TLogic extends AnyActorLogic = AnyActorLogic, TInput = unknown> =
  BuiltSupervisor extends StateMachine<
    infer TContext,
    infer _TEvent,
    infer TChildren,
    infer TActor,
    infer TAction,
    infer TGuard,
    infer TDelay,
    infer TStateValue,
    infer TTag,
    infer _TInput,
    infer _TOutput,
    infer _TEmitted,
    infer TMeta,
    infer TSchema,
    infer TTransitionMeta
  >
    ? StateMachine<
        TContext & { input: TInput },
        SupervisorEvent<EventFromLogic<TLogic>>,
        TChildren & SupervisedChildren<TLogic>,
        TActor,
        TAction,
        TGuard,
        TDelay,
        TStateValue,
        TTag,
        TInput,
        SupervisorOutput<OutputFrom<TLogic>>,
        LifecycleEvent | ChildEmitted<TLogic>,
        TMeta,
        TSchema,
        TTransitionMeta
      >
    : never;

/**
 * Creates a supervisor: an XState machine that runs `child`, restarts it with exponential
 * backoff when it fails, stops it gracefully on `shutdown` and passes `reload` and the child's
 * own events on to it.
 *
 * States: `running` (the child runs; `running.active`, then `running.stopping` while it drains
 * after `shutdown`), `backingOff` (waiting to restart), `stopped` (final, with
 * {@link SupervisorOutput}) and `failed` (the supervisor gave up; it then fails through
 * XState's error channel with a {@link SupervisorError}).
 *
 * The supervisor is transparent: what the child sends its parent (`sendParent`) reaches the
 * supervisor's parent unchanged, and what the child emits is emitted by the supervisor, across
 * restarts. Only the layer's control events (`shutdown`, `reload`, `supervisor.healthy`) are
 * kept by the supervisor that receives them. Malformed events and look-alikes of its internal
 * events change nothing; they are counted and reported as `message.dropped`.
 *
 * The types follow the child: the supervisor accepts the child's events, its `input` option is
 * checked against the child's input, its output carries the child's output and it emits what
 * the child emits. Invalid options throw a `TypeError` naming the option, the value and what
 * is allowed.
 *
 * @param child - Any XState actor logic: a machine, `fromPromise`, `fromCallback`,
 *   {@link fromProcess}, another supervisor, a group.
 * @param options - See {@link SupervisorOptions}.
 *
 * @example
 *
 * ```ts
 * import { createActor, fromPromise } from 'xstate';
 * import { createSupervisor } from 'xstate-supervisor';
 *
 * const flaky = fromPromise(async () => {
 *   if (Math.random() < 0.5) throw new Error('flaked');
 *   return 'ok';
 * });
 *
 * const supervisor = createSupervisor(flaky, {
 *   id: 'flaky',
 *   backoff: { initialMs: 100, maxMs: 5_000, factor: 2, jitter: 'full' },
 *   maxRestarts: { count: 5, withinMs: 60_000 },
 * });
 *
 * const actor = createActor(supervisor);
 * actor.subscribe({
 *   complete: () => console.log(actor.getSnapshot().output), // { reason: 'completed', output: 'ok', ... }
 *   error: (err) => console.error('gave up', err),
 * });
 * actor.start();
 * ```
 */
export function createSupervisor<TLogic extends AnyActorLogic, TInput = unknown>(
  child: TLogic,
  options: SupervisorOptions<TLogic, TInput> = {},
): SupervisorMachine<TLogic, TInput> {
  return buildSupervisor(
    child,
    options as unknown as SupervisorOptions<AnyActorLogic, unknown>,
  ) as unknown as SupervisorMachine<TLogic, TInput>;
}
