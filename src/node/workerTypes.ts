/**
 * The types of `fromWorker`: the events it accepts, the messages its worker receives and posts,
 * its snapshot, its output and its logic.
 */
import type { TransferListItem } from 'node:worker_threads';
import type { ActorLogic, ActorSystem, EventObject, Snapshot } from 'xstate';

// biome-ignore lint/suspicious/noExplicitAny: any system, as XState's own logic creators accept
type AnyActorSystem = ActorSystem<any>;

/** An event sent to a worker actor: posted to the worker, with `transfer` as its transfer list. */
export type WorkerEvent<TIn extends EventObject> = TIn & {
  /** Moved to the worker rather than copied (`ArrayBuffer`s, `MessagePort`s); not posted. */
  transfer?: readonly TransferListItem[];
};

/** Asks the worker to stop: posted to it as `{ type: 'shutdown' }`. */
export interface WorkerShutdownEvent {
  type: 'shutdown';
  force?: boolean;
}

/**
 * What a worker's script receives on `parentPort`: the events sent to the actor (without their
 * `transfer` list), and `shutdown`.
 *
 * @example
 *
 * ```js
 * // worker.mjs
 * /** @type {(message: import('xstate-supervisor/node').MessageToWorker<Job>) => void} *\/
 * const onMessage = (message) => (message.type === 'shutdown' ? parentPort.close() : run(message));
 * parentPort.on('message', onMessage);
 * ```
 */
export type MessageToWorker<TIn extends EventObject> = TIn | { type: 'shutdown' };

/**
 * What a worker's script may post on `parentPort`: its events, and `ready` (with
 * `readyOn: 'message'`).
 *
 * @example
 *
 * ```js
 * // worker.mjs
 * /** @param {import('xstate-supervisor/node').MessageFromWorker<Result>} event *\/
 * const post = (event) => parentPort.postMessage(event);
 * post({ type: 'ready' });
 * ```
 */
export type MessageFromWorker<TOut extends EventObject> = TOut | { type: 'ready' };

/** The output of a worker that ended well (exit code 0). */
export interface WorkerOutput {
  /** The worker's name. */
  name: string;
  threadId: number;
  exitCode: 0;
  /** Whether it ended after being asked to shut down. */
  shutdown: boolean;
}

/** The snapshot of a {@link fromWorker} actor: plain data. */
export type WorkerSnapshot<TInput = unknown> = Snapshot<WorkerOutput> & {
  /** The worker's name. */
  name: string;
  /** The thread's id, once started. */
  threadId: number | undefined;
  /** Started (`readyOn: 'start'`), or said `ready` (`readyOn: 'message'`). */
  ready: boolean;
  /** The actor's input, the worker's `workerData`. */
  input: TInput | undefined;
};

/**
 * The actor logic returned by {@link fromWorker}: it accepts `TIn` (and `shutdown`), and its
 * worker posts `TOut` up to the parent (read it with {@link EventFromWorker}).
 */
export type WorkerActorLogic<
  TIn extends EventObject = EventObject,
  TOut extends EventObject = EventObject,
  TInput = unknown,
> = ActorLogic<
  WorkerSnapshot<TInput>,
  WorkerEvent<TIn> | WorkerShutdownEvent,
  TInput,
  AnyActorSystem,
  EventObject
> & {
  /** Type only, never set: the events the worker posts up. */
  readonly '~posts'?: TOut;
};

/**
 * The events the worker of a {@link fromWorker} logic posts up, for the parent's own types.
 *
 * @example
 *
 * ```ts
 * const hash = fromWorker<Job, Result>({ file: new URL('./hash.mjs', import.meta.url) });
 * setup({ types: { events: {} as EventFromWorker<typeof hash> } }); // Result
 * ```
 */
export type EventFromWorker<TLogic> = TLogic extends { readonly '~posts'?: infer TOut }
  ? Exclude<TOut, undefined>
  : never;
