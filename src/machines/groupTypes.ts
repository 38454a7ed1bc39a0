/**
 * The process group's public types: its children, options, context, output and events, and
 * what the types infer from the declared children. The machine itself is in `group.ts`.
 */
import type { ActorRefFrom, AnyActorLogic, AnyActorRef, EventFromLogic, InputFrom } from 'xstate';
import type { ErrorSummary, ReadyTimeoutError } from '../errors.js';
import type { BackoffPolicy } from '../policy/backoff.js';
import type { MaxRestarts, RestartType } from '../policy/options.js';
import type { GroupStrategy, ShutdownOrder, StartOrder } from '../policy/restart.js';
import type { ChildCounts } from '../runtime/types.js';

/** A child of a group. */
export interface GroupChild<TLogic extends AnyActorLogic = AnyActorLogic> {
  /** The child's id, unique in the group; its actor id. */
  id: string;
  /** Any XState actor logic. */
  logic: TLogic;
  /** The child's input, checked against the logic's. */
  input?: InputFrom<TLogic>;
  /** When the child is restarted. Default `'transient'`. */
  restart?: RestartType;
  /** Its grace period after `shutdown`, in ms. Default: the group's `shutdownTimeoutMs`. */
  shutdownTimeoutMs?: number;
  /**
   * The child says when it is ready: it sends `{ type: 'supervisor.ready' }` to the group
   * (`ready()` in `fromProcess`). Until then it is started but not ready; children that depend
   * on it wait. Default: whether its logic is marked with `markSignalsReady` (an OS process with
   * a `ready` check, a worker with `readyOn: 'message'`), else `false`: ready once started.
   */
  signalsReady?: boolean;
  /**
   * How long it may take to signal readiness, in ms; past it, its run is stopped and that is a
   * failure like any other ({@link ReadyTimeoutError}). Only with `signalsReady`. Default 60,000.
   */
  readyTimeoutMs?: number;
  /**
   * Ids of the children that must be running and ready before this one starts, at its first
   * start and at every restart. A child no longer in the group holds nobody back.
   */
  dependsOn?: readonly string[];
}

/** The children as given, each child's `input` checked against its own logic's input. */
export type CheckedChildren<TChildren extends ReadonlyArray<GroupChild | AnyActorLogic>> = {
  readonly [K in keyof TChildren]: TChildren[K] extends { logic: infer L extends AnyActorLogic }
    ? GroupChild<L>
    : TChildren[K];
};

/** Options of {@link createProcessGroup}. */
export interface ProcessGroupOptions<
  TChildren extends ReadonlyArray<GroupChild | AnyActorLogic> = ReadonlyArray<
    GroupChild | AnyActorLogic
  >,
> {
  /** The group's id: machine id and name in errors, logs and the inspector. Default `'group'`. */
  id?: string;
  /** The children, started in this order. A bare actor logic gets the id `child-<index>`. */
  children?: CheckedChildren<TChildren>;
  /** What a child failure does. Default `'fail-fast'`. */
  strategy?: GroupStrategy;
  /** Backoff between restarts of a child (OTP strategies). Default as the supervisor's. */
  backoff?: Partial<BackoffPolicy>;
  /** More than `count` restarts in the group within `withinMs` makes it give up. Default: unlimited. */
  maxRestarts?: MaxRestarts | null;
  /** A child that has run this long after a restart has its failure count reset. Default 2 × `backoff.maxMs`. */
  resetAfterMs?: number | false;
  /** Default grace period of each child after `shutdown`, in ms. Default 30,000. */
  shutdownTimeoutMs?: number;
  /**
   * `'together'` (default): every child starts at once (but after its `dependsOn`).
   * `'sequential'`: each child starts once the one before it is ready (OTP's rule), at the
   * first start and in every restart round.
   */
  startOrder?: StartOrder;
  /** `'parallel'` (default) stops every child at once; `'reverse'` one by one, last started first. */
  shutdownOrder?: ShutdownOrder;
  /** Source of randomness for jitter. Default `Math.random`. */
  random?: () => number;
}

/** A refused `add` or `remove`, as kept in the group's context. */
export interface Refusal {
  request: 'add' | 'remove' | 'restartChildren';
  id: string | null;
  reason: string;
}

/** Why a group stopped. */
export type GroupStopReason = 'shutdown' | 'forced' | 'completed';

/** The group's context: plain data. */
export interface GroupContext extends ChildCounts {
  /** A summary of the latest child error. */
  lastError: ErrorSummary | null;
  /** The most recent refused requests, newest last. */
  refusals: Refusal[];
  /** Refused requests in all. */
  refusedCount: number;
  /** Filled in once the group has stopped. */
  stopReason: GroupStopReason | null;
  stoppedIds: string[];
  forcedIds: string[];
}

/** The output of a stopped group. */
export interface GroupOutput {
  /** `'shutdown'`: everyone stopped in time; `'forced'`: some had to be forced; `'completed'`: no child was left. */
  reason: GroupStopReason;
  /** Ids of children that stopped within their grace period (or were not running). */
  stopped: string[];
  /**
   * Every actor of the subtree stopped by force, by its path below the group: a child's id,
   * or `child/…` for an actor further down (a nested supervisor's or group's own report).
   */
  forced: string[];
  restarts: number;
  failures: number;
  /** Messages dropped on purpose over the group's life. */
  droppedMessages: number;
}

/** Events a group understands. Any other event is passed to every running child. */
export type GroupControlEvent =
  | { type: 'shutdown'; force?: boolean }
  | { type: 'reload' }
  | { type: 'add'; child: GroupChild }
  | { type: 'remove'; id: string }
  | {
      /**
       * Restart these children (default: all) without counting a failure: each is stopped as
       * a shutdown stops it and started again. `rolling: true`: one at a time, the next only
       * once the one before runs again and is ready, so all but one keep serving. Ends with a
       * `restart.finished` lifecycle event.
       */
      type: 'restartChildren';
      ids?: string[];
      rolling?: boolean;
    };

/** The logic of one entry of a group's `children`. */
export type GroupChildLogic<TChild> = TChild extends { logic: infer L extends AnyActorLogic }
  ? L
  : TChild extends AnyActorLogic
    ? TChild
    : never;

/**
 * Events a group accepts: its own, and those any of its declared children accepts (passed to
 * every running child). A group declared without children (all added later) accepts any event.
 */
export type GroupEvent<
  TChildren extends ReadonlyArray<GroupChild | AnyActorLogic> = ReadonlyArray<
    GroupChild | AnyActorLogic
  >,
> =
  | GroupControlEvent
  | (number extends TChildren['length']
      ? EventFromLogic<GroupChildLogic<TChildren[number]>>
      : TChildren['length'] extends 0
        ? { type: string; [key: string]: unknown }
        : EventFromLogic<GroupChildLogic<TChildren[number]>>);

/** The actor refs of a group's declared children, by id (bare logic: any id). */
export type GroupChildRefs<TChildren extends ReadonlyArray<GroupChild | AnyActorLogic>> =
  number extends TChildren['length'] ? Record<string, AnyActorRef> : UnionToRefs<TChildren[number]>;

type UnionToRefs<TChild> = (
  TChild extends { id: infer I extends string; logic: infer L extends AnyActorLogic }
    ? (arg: { [K in I]: ActorRefFrom<L> }) => void
    : TChild extends AnyActorLogic
      ? (arg: Record<string, AnyActorRef>) => void
      : never
) extends (arg: infer R) => void
  ? R
  : never;
