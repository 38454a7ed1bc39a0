/**
 * The supervisor machine: one child actor, restarted with exponential backoff when it fails.
 *
 * `createSupervisor(child, options)` returns a plain XState machine, so it can be the root of
 * an app (`createActor`), invoked or spawned by another machine, watched in an inspector and
 * walked by `xstate/graph`. The child runs while the supervisor is in `running`; its error
 * moves the supervisor to `backingOff`, whose delay comes from the backoff policy through
 * XState's scheduler; `shutdown` drains the child in `running.stopping` and ends in `stopped`.
 * Giving up (restart limit, a non-restartable error, a failed temporary child) fails the
 * supervisor through XState's own error channel, which is how supervisors nest.
 */
import {
  type AnyActorLogic,
  type AnyActorRef,
  type AnyEventObject,
  and,
  assign,
  emit,
  enqueueActions,
  sendTo,
  setup,
} from 'xstate';
import { stopOrphans } from '../actors/orphans.js';
import { acceptsShutdown, isActorLogic } from '../actors/shutdownAware.js';
import { YIELDED, yieldToEventLoop } from '../actors/yieldToEventLoop.js';
import {
  type ErrorSummary,
  SupervisorError,
  type SupervisorFailureReason,
  summarizeError,
} from '../errors.js';
import type { LifecycleEvent } from '../lifecycle.js';
import { type BackoffPolicy, backoffDelay } from '../policy/backoff.js';
import {
  checkId,
  checkOneOf,
  invalidOption,
  type MaxRestarts,
  RESTART_TYPES,
  type RestartType,
  resolveRestartPolicy,
} from '../policy/options.js';

export { DEFAULT_SHUTDOWN_TIMEOUT_MS } from '../policy/options.js';
/** Immediate (zero-delay) restarts in a row before the supervisor yields to the event loop. */
export const IMMEDIATE_RESTARTS_BEFORE_YIELD = 128;
/** Messages kept during a backoff wait for the next run; older ones are dropped beyond this. */
export const MAX_PENDING_MESSAGES = 100;

/** Internal event: one restart has left the `maxRestarts` window. */
export const RESTART_EXPIRED = 'xstate.supervisor.restartExpired';
/** Internal event: the supervisor fails with the error it gave up with. */
export const ESCALATE = 'xstate.supervisor.escalate';

/** How the supervisor asks its child to stop. */
export type ChildShutdown = 'auto' | 'graceful' | 'immediate';

/** Options of {@link createSupervisor}. */
export interface SupervisorOptions<TInput = unknown> {
  /** The supervisor's id: the machine id, and its name in errors, logs and the inspector. Default `'supervisor'`. */
  id?: string;
  /** The child actor's id (its invoke id). Default `'child'`. */
  childId?: string;
  /**
   * The child's input: a value, or a function of the supervisor's own input, called at each
   * (re)start. To pass a function as the value, wrap it: `input: () => fn`.
   */
  input?: unknown | ((args: { input: TInput }) => unknown);
  /** Backoff between restarts. Default `{ initialMs: 200, maxMs: 30_000, factor: 2, jitter: 'none' }`. */
  backoff?: Partial<BackoffPolicy>;
  /** When the child is restarted. Default `'transient'` (only after a failure). */
  restart?: RestartType;
  /**
   * More than `count` restarts within `withinMs` makes the supervisor give up and fail with a
   * {@link SupervisorError} whose `cause` is the child's last error. Default: unlimited.
   */
  maxRestarts?: MaxRestarts | null;
  /**
   * A child that has run this long without failing resets the failure count, so its next
   * failure waits `backoff.initialMs` again. Default: twice `backoff.maxMs` (60 s with the
   * default backoff). `false` never resets.
   */
  resetAfterMs?: number | false;
  /**
   * Decides whether an error is worth a restart; `failures` counts this failure too. Returning
   * `false` (or throwing) makes the supervisor fail at once with the error as `cause`.
   */
  shouldRestart?: (error: unknown, failures: number) => boolean;
  /** Grace period for the child to stop after `shutdown`, in ms. Default 30,000. */
  shutdownTimeoutMs?: number;
  /**
   * How the child is stopped. `'auto'` (default): children that handle `shutdown` (logic from
   * `fromProcess`, machines with a `shutdown` transition, logic marked with
   * `markShutdownAware`) are sent `shutdown` and given the grace period; others are stopped at
   * once. `'graceful'` and `'immediate'` force one way.
   */
  childShutdown?: ChildShutdown;
  /** Source of randomness for jitter, numbers in `[0, 1)`. Default `Math.random`. */
  random?: () => number;
}

/** Why a supervisor stopped. */
export type SupervisorStopReason = 'shutdown' | 'forced' | 'completed';

/** The supervisor's context: plain data, shown as is by an inspector. */
export interface SupervisorContext {
  /** The supervisor's own input. */
  input: unknown;
  /** Consecutive failures (reset after a stable run of `resetAfterMs`). */
  failures: number;
  /** Restarts made since the supervisor started. */
  restarts: number;
  /** Restarts still inside the `maxRestarts` window. */
  recentRestarts: number;
  /** The delay chosen for the current or latest backoff wait, in ms. */
  nextDelayMs: number;
  /** A summary of the child's latest error. */
  lastError: ErrorSummary | null;
  /** A reload arrived during a backoff wait and goes to the next run. */
  pendingReload: boolean;
  /** Messages that arrived during a backoff wait and go to the next run, in order. */
  pendingMessages: AnyEventObject[];
  /** Messages dropped because more than {@link MAX_PENDING_MESSAGES} were waiting. */
  droppedMessages: number;
  /** Zero-delay restarts in a row since the event loop last had a turn. */
  immediateStreak: number;
  /** Why the supervisor stopped, once it has. */
  stopReason: SupervisorStopReason | null;
  /** The child's output, when it completed or finished its shutdown with one. */
  childOutput: unknown;
}

/** The output of a stopped supervisor. */
export interface SupervisorOutput {
  /**
   * `'shutdown'`: stopped gracefully; `'forced'`: the child outlived the grace period (or a
   * forced shutdown was asked for); `'completed'`: the child completed and is not restarted.
   */
  reason: SupervisorStopReason;
  restarts: number;
  failures: number;
  lastError: ErrorSummary | null;
  /** The child's output, when it had one. */
  output?: unknown;
}

/** Events a supervisor understands. Any other event is passed to the running child. */
export type SupervisorEvent =
  | {
      /** Stop: the child gets `shutdown` and its grace period; `force: true` stops it at once. */
      type: 'shutdown';
      force?: boolean;
    }
  | {
      /** Passed to the running child; during a backoff wait, to the next run (several as one). */
      type: 'reload';
    }
  | { type: string; [key: string]: unknown };

const escalations = new WeakMap<AnyActorRef, SupervisorError>();

const isInternal = (type: string) => type.startsWith('xstate.');

/**
 * Creates a supervisor: an XState machine that runs `child`, restarts it with exponential
 * backoff when it fails, stops it gracefully on `shutdown` and passes `reload` and any other
 * event on to it.
 *
 * States: `running` (the child runs; `running.active`, then `running.stopping` while it drains
 * after `shutdown`), `backingOff` (waiting to restart), `stopped` (final, with
 * {@link SupervisorOutput}) and `failed` (the supervisor gave up; it then fails through
 * XState's error channel with a {@link SupervisorError}).
 *
 * Invalid options throw a `TypeError` naming the option, the value and what is allowed.
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
 *   complete: () => console.log(actor.getSnapshot().output), // { reason: 'completed', ... }
 *   error: (err) => console.error('gave up', err),
 * });
 * actor.start();
 * ```
 */
export function createSupervisor<TInput = unknown>(
  child: AnyActorLogic,
  options: SupervisorOptions<TInput> = {},
) {
  const owner = 'createSupervisor';
  if (!isActorLogic(child)) {
    invalidOption(
      owner,
      'child',
      child,
      'XState actor logic (a machine or a from* creator result)',
    );
  }
  if (typeof options !== 'object' || options === null) {
    invalidOption(owner, 'options', options, 'an object');
  }
  const id = checkId(owner, 'id', options.id, 'supervisor');
  const childId = checkId(owner, 'childId', options.childId, 'child');
  const restart = checkOneOf(owner, 'restart', options.restart ?? 'transient', RESTART_TYPES);
  const { backoff, maxRestarts, resetAfterMs, shutdownTimeoutMs, random } = resolveRestartPolicy(
    owner,
    options,
  );
  const childShutdown = checkOneOf<ChildShutdown>(
    owner,
    'childShutdown',
    options.childShutdown ?? 'auto',
    ['auto', 'graceful', 'immediate'],
  );
  const graceful =
    childShutdown === 'graceful' || (childShutdown === 'auto' && acceptsShutdown(child));
  const { shouldRestart } = options;
  if (shouldRestart !== undefined && typeof shouldRestart !== 'function') {
    invalidOption(owner, 'shouldRestart', shouldRestart, 'a function (error, failures) => boolean');
  }
  const childInput = options.input;
  const resolveChildInput =
    typeof childInput === 'function'
      ? (input: unknown) => (childInput as (args: { input: unknown }) => unknown)({ input })
      : () => childInput;

  const doneEvent = `xstate.done.actor.${childId}`;
  const errorEvent = `xstate.error.actor.${childId}`;
  const names = { supervisorId: id, childId };
  const isCustomMessage = ({ event }: { event: AnyEventObject }) =>
    !isInternal(event.type) && event.type !== 'shutdown' && event.type !== 'reload';

  /** The error to fail with, when the child's failure (or completion) ends supervision. */
  const giveUpReason = (
    context: SupervisorContext,
    event: AnyEventObject,
  ): SupervisorFailureReason | null => {
    const failed = event.type === errorEvent;
    if (failed && restart === 'temporary') return 'temporary';
    if (failed && shouldRestart) {
      let restartIt: boolean;
      try {
        restartIt = shouldRestart((event as AnyEventObject).error, context.failures + 1) !== false;
      } catch {
        restartIt = false;
      }
      if (!restartIt) return 'not-restartable';
    }
    if (maxRestarts && context.recentRestarts >= maxRestarts.count) return 'max-restarts';
    return null;
  };

  const stopWith = (reason: SupervisorStopReason) =>
    ({ type: 'markStopped', params: { reason } }) as const;

  return setup({
    types: {
      context: {} as SupervisorContext,
      events: {} as SupervisorEvent,
      input: {} as TInput,
      output: {} as SupervisorOutput,
      emitted: {} as LifecycleEvent,
    },
    actors: { child, yieldToEventLoop },
    delays: {
      backoff: ({ context }) => context.nextDelayMs,
      shutdownTimeout: shutdownTimeoutMs,
      resetAfter: resetAfterMs === false ? 0 : resetAfterMs,
      restartWindow: maxRestarts?.withinMs ?? 0,
    },
    guards: {
      isCustomMessage,
      isForced: ({ event }) => event.type === 'shutdown' && event.force === true,
      childStopsGracefully: () => graceful,
      givesUp: ({ context, event }) => giveUpReason(context, event) !== null,
      restartsOnCompletion: () => restart === 'permanent',
      hasFailures: ({ context }) => context.failures > 0,
      noBackoff: () => backoff.initialMs === 0,
      restartsNow: ({ context }) =>
        backoff.initialMs === 0 && context.immediateStreak < IMMEDIATE_RESTARTS_BEFORE_YIELD,
    },
    actions: {
      announceStart: emit(({ context }) => ({
        type: 'child.started' as const,
        ...names,
        restarts: context.restarts,
      })),
      deliverPending: enqueueActions(({ context, enqueue }) => {
        if (!context.pendingReload && context.pendingMessages.length === 0) return;
        if (context.pendingReload) {
          enqueue.sendTo(childId, { type: 'reload' });
          enqueue.emit({ type: 'reload.sent', ...names });
        }
        for (const message of context.pendingMessages) enqueue.sendTo(childId, message);
        enqueue.assign({ pendingReload: false, pendingMessages: [] });
      }),
      forwardToChild: sendTo(childId, ({ event }) => event),
      forwardReload: enqueueActions(({ enqueue }) => {
        enqueue.sendTo(childId, { type: 'reload' });
        enqueue.emit({ type: 'reload.sent', ...names });
      }),
      queueReload: assign({ pendingReload: true }),
      queueMessage: assign(({ context, event }) => {
        const pendingMessages = [...context.pendingMessages, event];
        const dropped = Math.max(0, pendingMessages.length - MAX_PENDING_MESSAGES);
        return {
          pendingMessages: dropped > 0 ? pendingMessages.slice(dropped) : pendingMessages,
          droppedMessages: context.droppedMessages + dropped,
        };
      }),
      stopOrphans: ({ self }) =>
        stopOrphans(
          (self.getSnapshot() as { children: Record<string, AnyActorRef | undefined> }).children[
            childId
          ],
        ),
      askChildToStop: enqueueActions(({ enqueue }) => {
        enqueue.emit({ type: 'shutdown.started', ...names });
        enqueue.sendTo(childId, { type: 'shutdown' });
      }),
      recordFailure: enqueueActions(({ context, event, enqueue }) => {
        const failed = event.type === errorEvent;
        const failures = context.failures + 1;
        const nextDelayMs = backoffDelay(backoff, failures, random, context.nextDelayMs);
        const lastError = failed
          ? summarizeError((event as AnyEventObject).error)
          : context.lastError;
        if (failed && lastError)
          enqueue.emit({ type: 'child.failed', ...names, error: lastError, failures });
        else enqueue.emit({ type: 'child.completed', ...names });
        enqueue.emit({ type: 'restart.scheduled', ...names, delayMs: nextDelayMs, failures });
        enqueue.assign({
          failures,
          nextDelayMs,
          lastError,
          immediateStreak: nextDelayMs === 0 ? context.immediateStreak : 0,
        });
      }),
      countRestart: enqueueActions(({ context, enqueue }) => {
        enqueue.assign({
          restarts: context.restarts + 1,
          recentRestarts: context.recentRestarts + 1,
          immediateStreak: context.nextDelayMs === 0 ? context.immediateStreak + 1 : 0,
        });
        if (maxRestarts) enqueue.raise({ type: RESTART_EXPIRED }, { delay: 'restartWindow' });
      }),
      resetStreak: assign({ immediateStreak: 0 }),
      expireRestart: assign({
        recentRestarts: ({ context }) => Math.max(0, context.recentRestarts - 1),
      }),
      resetFailures: assign({ failures: 0, nextDelayMs: 0 }),
      markStopped: enqueueActions(
        ({ event, enqueue }, params: { reason: SupervisorStopReason }) => {
          const update: Partial<SupervisorContext> = { stopReason: params.reason };
          if (event.type === doneEvent) update.childOutput = (event as AnyEventObject).output;
          if (event.type === errorEvent)
            update.lastError = summarizeError((event as AnyEventObject).error);
          if (params.reason === 'completed') enqueue.emit({ type: 'child.completed', ...names });
          else if (params.reason === 'forced') {
            const forcedShutdown = event.type === 'shutdown' && event.force === true;
            enqueue.emit({
              type: 'child.forced',
              ...names,
              shutdownTimeoutMs,
              cause: forcedShutdown ? 'forced-shutdown' : 'grace-period',
            });
          } else enqueue.emit({ type: 'child.stopped', ...names });
          enqueue.assign(update);
        },
      ),
      prepareEscalation: enqueueActions(({ context, event, self, enqueue }) => {
        const reason = giveUpReason(context, event) ?? 'max-restarts';
        const failed = event.type === errorEvent;
        const cause = failed ? (event as AnyEventObject).error : undefined;
        const failures = context.failures + (failed ? 1 : 0);
        const lastError = failed
          ? summarizeError((event as AnyEventObject).error)
          : context.lastError;
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
        if (failed && lastError)
          enqueue.emit({ type: 'child.failed', ...names, error: lastError, failures });
        else if (event.type === doneEvent) enqueue.emit({ type: 'child.completed', ...names });
        enqueue.emit({ type: 'supervisor.gaveUp', ...names, reason, error: lastError });
        enqueue.assign({ failures, lastError });
        enqueue.sendTo(self, { type: ESCALATE });
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
      restarts: 0,
      recentRestarts: 0,
      nextDelayMs: 0,
      lastError: null,
      pendingReload: false,
      pendingMessages: [],
      droppedMessages: 0,
      immediateStreak: 0,
      stopReason: null,
      childOutput: undefined,
    }),
    on: {
      [RESTART_EXPIRED]: { actions: 'expireRestart' },
    },
    states: {
      running: {
        id: 'supervisor-running',
        invoke: {
          id: childId,
          src: 'child',
          input: ({ context }: { context: SupervisorContext }) => resolveChildInput(context.input),
          onDone: [
            {
              guard: and(['restartsOnCompletion', 'givesUp']),
              target: 'failed',
              actions: 'prepareEscalation',
            },
            {
              guard: and(['restartsOnCompletion', 'restartsNow']),
              target: 'running',
              reenter: true,
              actions: ['recordFailure', 'countRestart'],
            },
            {
              guard: and(['restartsOnCompletion', 'noBackoff']),
              target: '#supervisor-yielding',
              actions: 'recordFailure',
            },
            { guard: 'restartsOnCompletion', target: 'backingOff', actions: 'recordFailure' },
            { target: 'stopped', actions: stopWith('completed') },
          ],
          onError: [
            { guard: 'givesUp', target: 'failed', actions: ['stopOrphans', 'prepareEscalation'] },
            {
              guard: 'restartsNow',
              target: 'running',
              reenter: true,
              actions: ['stopOrphans', 'recordFailure', 'countRestart'],
            },
            {
              guard: 'noBackoff',
              target: '#supervisor-yielding',
              actions: ['stopOrphans', 'recordFailure'],
            },
            { target: 'backingOff', actions: ['stopOrphans', 'recordFailure'] },
          ],
        },
        entry: 'announceStart',
        initial: 'active',
        on: {
          '*': { guard: 'isCustomMessage', actions: 'forwardToChild' },
        },
        states: {
          active: {
            entry: 'deliverPending',
            ...(resetAfterMs === false
              ? {}
              : { after: { resetAfter: { guard: 'hasFailures', actions: 'resetFailures' } } }),
            on: {
              shutdown: [
                { guard: 'isForced', target: '#supervisor-stopped', actions: stopWith('forced') },
                { guard: 'childStopsGracefully', target: 'stopping' },
                { target: '#supervisor-stopped', actions: stopWith('shutdown') },
              ],
              reload: { actions: 'forwardReload' },
            },
          },
          stopping: {
            entry: 'askChildToStop',
            after: {
              shutdownTimeout: { target: '#supervisor-stopped', actions: stopWith('forced') },
            },
            on: {
              shutdown: {
                guard: 'isForced',
                target: '#supervisor-stopped',
                actions: stopWith('forced'),
              },
              [doneEvent]: { target: '#supervisor-stopped', actions: stopWith('shutdown') },
              [errorEvent]: {
                target: '#supervisor-stopped',
                actions: ['stopOrphans', stopWith('shutdown')],
              },
            },
          },
        },
      },
      backingOff: {
        initial: 'waiting',
        on: {
          shutdown: { target: 'stopped', actions: stopWith('shutdown') },
          reload: { actions: 'queueReload' },
          '*': { guard: 'isCustomMessage', actions: 'queueMessage' },
        },
        states: {
          waiting: {
            after: { backoff: { target: '#supervisor-running', actions: 'countRestart' } },
          },
          yielding: {
            id: 'supervisor-yielding',
            invoke: { src: 'yieldToEventLoop' },
            on: {
              [YIELDED]: {
                target: '#supervisor-running',
                actions: ['resetStreak', 'countRestart'],
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
        on: { [ESCALATE]: { actions: 'escalate' } },
      },
    },
    output: ({ context }) => {
      const output: SupervisorOutput = {
        reason: context.stopReason ?? 'shutdown',
        restarts: context.restarts,
        failures: context.failures,
        lastError: context.lastError,
      };
      if (context.childOutput !== undefined) output.output = context.childOutput;
      return output;
    },
  });
}

/** The machine type returned by {@link createSupervisor}. */
export type SupervisorMachine = ReturnType<typeof createSupervisor>;
