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
 */
import {
  type AnyActorLogic,
  type AnyActorRef,
  type AnyEventObject,
  assign,
  type EventFromLogic,
  emit,
  enqueueActions,
  type OutputFrom,
  type StateMachine,
  setup,
} from 'xstate';
import { CHILD_DROPPED } from '../actors/ledger.js';
import { YIELDED, yieldToEventLoop } from '../actors/yieldToEventLoop.js';
import { SupervisorError, type SupervisorFailureReason, summarizeError } from '../errors.js';
import type { LifecycleEvent } from '../lifecycle.js';
import { command, embedRuntime, takeFailure } from '../runtime/embed.js';
import {
  HEALTHY,
  HOST_CONTROL,
  HOST_DELIVER,
  HOST_DRAIN,
  HOST_DRAINED,
  HOST_EMIT,
  HOST_EMPTY,
  HOST_FAILED,
  HOST_REPORT,
  HOST_START,
  HOST_UP,
  HOST_WAIT,
  READY,
} from '../runtime/events.js';
import type { SupervisedChildren } from '../runtime/reach.js';
import { runtimeOf } from '../runtime/reach.js';
import { isFromRuntime } from '../runtime/report.js';
import { dropId } from '../runtime/runs.js';
import type { ChildCounts, ChildView } from '../runtime/types.js';
import { emitReported, escalationHop } from './harden.js';
import { relay } from './relayActions.js';

/** A runtime's report, as the machine reads it. */
interface Report {
  events: LifecycleEvent[];
  counts: ChildCounts;
  child?: ChildView;
}

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
  SupervisorContext,
  SupervisorEvent,
  SupervisorOptions,
  SupervisorOutput,
} from './supervisorTypes.js';

const escalations = new WeakMap<AnyActorRef, SupervisorError>();

/** What a report changes in the context (`recordReport`). */
function reported(context: SupervisorContext, event: AnyEventObject): Partial<SupervisorContext> {
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
 * What the end of the supervisor changes in the context: the report the decision carries and
 * the end itself, as one literal of a fixed shape (adding fields one by one to a report's
 * changes costs V8 a change of the object's layout per field).
 */
function ended(
  context: SupervisorContext,
  event: AnyEventObject,
  stopReason: NonNullable<SupervisorContext['stopReason']>,
  forced: string[],
  childOutput: unknown,
): Partial<SupervisorContext> {
  const changes = reported(context, event);
  const now = changes.restarts === undefined ? context : (changes as SupervisorContext);
  return {
    failures: now.failures,
    ready: now.ready,
    restarts: now.restarts,
    nextDelayMs: now.nextDelayMs,
    pendingMessages: 0,
    droppedMessages: now.droppedMessages,
    lastError: now.lastError,
    stopReason,
    forced,
    childOutput,
  };
}

/**
 * Every state takes a report alike (`recordReport`, `emitReport`, no target), so the runtime
 * takes one without a machine step: a new snapshot with the new context, the same emits.
 */
function applyReport(snapshot: unknown, report: AnyEventObject, self: AnyActorRef): unknown {
  const before = snapshot as { context: SupervisorContext };
  const context = { ...before.context };
  Object.assign(context, reported(before.context, report));
  emitReported(self, (report as unknown as Partial<Report>).events ?? []);
  // A plain copy, then the field: the copy takes V8's fast path.
  const next = { ...before };
  next.context = context;
  return next;
}

function buildSupervisor(child: AnyActorLogic, options: SupervisorOptions<AnyActorLogic, unknown>) {
  const config = { ...supervisorConfig(child, options), applyReport };
  const id = config.ownerId;
  const { maxRestarts } = config;
  /** The child's id, as the runtime named it. */
  const childIdOf = (self: AnyActorRef) => dropId(runtimeOf(self)!);

  const machine = setup({
    types: {
      context: {} as SupervisorContext,
      events: {} as AnyEventObject,
      children: {} as {
        escalation: 'escalationHop';
        yield: 'yieldToEventLoop';
      },
      input: {} as unknown,
      output: {} as SupervisorOutput,
      emitted: {} as LifecycleEvent,
    },
    actors: { yieldToEventLoop, escalationHop },
    delays: {
      backoff: ({ context }) => context.nextDelayMs,
    },
    guards: {
      fromRuntime: ({ event }) => isFromRuntime(event),
      yields: ({ event }) => isFromRuntime(event) && event.delayMs === 0,
      isForced: ({ event }) => event.type === 'shutdown' && event.force === true,
      isCustomMessage: ({ event }) =>
        !event.type.startsWith('xstate.') &&
        event.type !== 'shutdown' &&
        event.type !== 'reload' &&
        event.type !== HEALTHY &&
        event.type !== READY &&
        event.type !== CHILD_DROPPED,
    },
    actions: {
      emitReport: ({ event, self }) =>
        emitReported(self, (event as unknown as Partial<Report>).events ?? []),
      recordReport: assign(({ context, event }) => reported(context, event)),
      reemit: enqueueActions(relay.reemit),
      passUp: enqueueActions(relay.passUp),
      control: enqueueActions(relay.control),
      reject: enqueueActions(relay.reject),
      deliver: ({ event, self }) => command(self, { type: HOST_DELIVER, event }),
      // Leaving backingOff: the machine announces the restart, and its runtime starts the child.
      announceRestart: emit(({ context, self }) => ({
        type: 'child.started' as const,
        supervisorId: id,
        childId: childIdOf(self),
        restarts: context.restarts + 1,
      })),
      // The runtime starts the child in this step without a report of its own: a child that
      // does not signal readiness is ready once started, one that does is not yet.
      countRestart: assign({
        restarts: ({ context }) => context.restarts + 1,
        ready: !config.initial[0]!.signalsReady,
      }),
      startChild: ({ self }) => command(self, { type: HOST_START }),
      drain: ({ event, self }) =>
        command(self, {
          type: HOST_DRAIN,
          force: event.type === 'shutdown' && event.force === true,
          cause: 'forced-shutdown',
        }),
      forceDrain: ({ self }) =>
        command(self, { type: HOST_DRAIN, force: true, cause: 'forced-shutdown' }),
      recordWait: assign({ nextDelayMs: ({ event }) => (event as AnyEventObject).delayMs }),
      // The report the decision carries and the decision itself, in one assignment.
      recordDrained: assign(({ context, event }) => {
        const { forced, output } = event as unknown as { forced: string[]; output: unknown };
        return ended(context, event, forced.length > 0 ? 'forced' : 'shutdown', forced, output);
      }),
      recordCompleted: assign(({ context, event }) =>
        ended(context, event, 'completed', context.forced, (event as AnyEventObject).output),
      ),
      prepareEscalation: enqueueActions(({ context, event, self, enqueue }) => {
        const failure = takeFailure(self);
        const childId = childIdOf(self);
        const reason: SupervisorFailureReason =
          failure && failure.reason !== 'child-failed' ? failure.reason : 'not-restartable';
        const cause = failure ? failure.error : (event as AnyEventObject).error;
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
          new SupervisorError(
            `supervisor "${id}" gave up on child "${childId}" (${what})${detail}`,
            {
              reason,
              supervisorId: id,
              failures,
              restarts: context.restarts,
              cause,
            },
          ),
        );
        enqueue.emit({
          type: 'supervisor.gaveUp',
          supervisorId: id,
          childId,
          reason,
          error: lastError,
        });
        enqueue.assign({ failures, lastError });
      }),
      escalate: ({ self }) => {
        const error = escalations.get(self);
        escalations.delete(self);
        throw error ?? new Error(`supervisor "${id}" gave up`);
      },
    },
  }).createMachine({
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
