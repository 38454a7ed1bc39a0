/**
 * The supervisor's public types: its options, context, output and events, and the limits it
 * works by. The machine itself is in `supervisor.ts`; its options are checked in
 * `supervisorOptions.ts`.
 */
import type {
  AnyActorLogic,
  AnyEventObject,
  EmittedFrom,
  EventObject,
  InputFrom,
  NonReducibleUnknown,
} from 'xstate';
import type { ErrorSummary, ReadyTimeoutError } from '../errors.js';
import type { BackoffPolicy } from '../policy/backoff.js';
import type { MaxRestarts, RestartType } from '../policy/options.js';

export { DEFAULT_SHUTDOWN_TIMEOUT_MS } from '../policy/options.js';
/** Immediate (zero-delay) restarts in a row before the supervisor yields to the event loop. */
export const IMMEDIATE_RESTARTS_BEFORE_YIELD = 128;
/** Messages kept during a backoff wait for the next run; older ones are dropped beyond this. */
export const MAX_PENDING_MESSAGES = 100;

/** How the supervisor asks its child to stop. */
export type ChildShutdown = 'auto' | 'graceful' | 'immediate';

/**
 * The `input` option for a child whose input is `TChildInput`: the value itself, or a function
 * of the supervisor's own input, called at each (re)start. A child that takes any input
 * accepts any value but a bare function (wrap a function value: `input: () => fn`).
 */
export type SupervisorInputOption<TChildInput, TInput> =
  | (unknown extends TChildInput ? NonReducibleUnknown : TChildInput)
  | ((args: { input: TInput }) => TChildInput);

/** Options of {@link createSupervisor}. */
export interface SupervisorOptions<TLogic extends AnyActorLogic = AnyActorLogic, TInput = unknown> {
  /** The supervisor's id: the machine id, and its name in errors, logs and the inspector. Default `'supervisor'`. */
  id?: string;
  /**
   * The child actor's id. Default: the id the app gave the supervisor (its invoke or spawn
   * id), or for a root actor created without one, the supervisor's `id`.
   */
  childId?: string;
  /**
   * The child's input: a value, or a function of the supervisor's own input, called at each
   * (re)start. To pass a function as the value, wrap it: `input: () => fn`.
   */
  input?: SupervisorInputOption<InputFrom<TLogic>, TInput>;
  /** Backoff between restarts. Default `{ initialMs: 200, maxMs: 30_000, factor: 2, jitter: 'none' }`. */
  backoff?: Partial<BackoffPolicy>;
  /** When the child is restarted. Default `'transient'` (only after a failure). */
  restart?: RestartType;
  /**
   * More than `count` restarts within `withinMs` makes the supervisor give up and fail with a
   * {@link SupervisorError} whose `cause` is the child's last error. A restart is counted when
   * the failure that needs it happens (as OTP's intensity and period). Default: unlimited.
   */
  maxRestarts?: MaxRestarts | null;
  /**
   * A child that has run this long without failing resets the failure count, so its next
   * failure waits `backoff.initialMs` again. Default: twice `backoff.maxMs` (60 s with the
   * default backoff). `false` never resets. A child can also say so itself at once:
   * `healthy()` in `fromProcess`, or `{ type: 'supervisor.healthy' }` sent to its parent.
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
  /**
   * Renew the supervisor's snapshot whenever its child's snapshot changes, so `subscribe`,
   * `onSnapshot`, `syncSnapshot` and `useSelector` on the supervisor see the child change.
   * Default `true`. It costs one more step per child transition while somebody observes the
   * supervisor (see docs/benchmarks.md, scenario 10); `false` saves it for a child that changes
   * very often and is watched another way. `childSnapshotOf` of the current snapshot reads the
   * child as it is now either way.
   */
  watchChild?: boolean;
  /**
   * The child says when it is ready: it sends `{ type: 'supervisor.ready' }` to its parent
   * (`ready()` in `fromProcess`). Until then it is started but not ready (`context.ready` is
   * false, `isTreeReady` and `/readyz` say not ready). Default: whether the child's logic is
   * marked with `markSignalsReady` (an OS process with a `ready` check, a worker with
   * `readyOn: 'message'`), else `false`: ready once started.
   */
  signalsReady?: boolean;
  /**
   * How long the child may take to signal readiness, in ms; past it, its run is stopped and
   * that is a failure like any other ({@link ReadyTimeoutError}: counted, backed off,
   * restarted). Only with `signalsReady`. Default 60,000.
   */
  readyTimeoutMs?: number;
}

/** Why a supervisor stopped. */
export type SupervisorStopReason = 'shutdown' | 'forced' | 'completed';

/** The supervisor's context: plain data, shown as is by an inspector. */
export interface SupervisorContext<TInput = unknown> {
  /** The supervisor's own input. */
  input: TInput;
  /** Consecutive failures (reset after a stable run of `resetAfterMs`, or a health signal). */
  failures: number;
  /**
   * The child is running and ready: it signalled readiness (a child declared with
   * `signalsReady`), or it has started (any other child).
   */
  ready: boolean;
  /** Restarts made since the supervisor started. */
  restarts: number;
  /** The delay chosen for the current or latest backoff wait, in ms. */
  nextDelayMs: number;
  /** A summary of the child's latest error. */
  lastError: ErrorSummary | null;
  /** Messages (a reload counts as one) kept for the child's next run. */
  pendingMessages: number;
  /** Messages dropped on purpose (each also reported as a `message.dropped` event). */
  droppedMessages: number;
  /** Why the supervisor stopped, once it has. */
  stopReason: SupervisorStopReason | null;
  /** The child's output, when it completed or finished its shutdown with one. */
  childOutput: unknown;
  /** Paths of the actors stopped by force during the shutdown (see {@link SupervisorOutput}). */
  forced: string[];
}

/** The output of a stopped supervisor. */
export interface SupervisorOutput<TOutput = unknown> {
  /**
   * `'shutdown'`: stopped gracefully; `'forced'`: the child, or an actor below it, outlived
   * its grace period (or a forced shutdown was asked for); `'completed'`: the child completed
   * and is not restarted.
   */
  reason: SupervisorStopReason;
  restarts: number;
  failures: number;
  lastError: ErrorSummary | null;
  /**
   * Every actor of the subtree stopped by force, by its path below the supervisor: the child's
   * id, or `child/…` for an actor further down (a nested supervisor's or group's own report).
   */
  forced: string[];
  /** Messages dropped on purpose over the supervisor's life. */
  droppedMessages: number;
  /** The child's output, when it had one. */
  output?: TOutput;
}

/** The supervisor's own events. */
export type SupervisorControlEvent =
  | {
      /** Stop: the child gets `shutdown` and its grace period; `force: true` stops it at once. */
      type: 'shutdown';
      force?: boolean;
    }
  | {
      /** Passed to the running child; during a backoff wait, to the next run (several as one). */
      type: 'reload';
    };

/**
 * Events a supervisor accepts: its own, and the events its child accepts (passed down to the
 * running child, or kept for its next run).
 */
export type SupervisorEvent<TChildEvent extends EventObject = AnyEventObject> =
  | SupervisorControlEvent
  | TChildEvent;

/**
 * What a child declares it emits; logic that declares nothing in particular (XState's default,
 * any `EventObject`) adds nothing to the supervisor's emitted events.
 */
export type ChildEmitted<TLogic extends AnyActorLogic> =
  EventObject extends EmittedFrom<TLogic> ? never : EmittedFrom<TLogic>;
