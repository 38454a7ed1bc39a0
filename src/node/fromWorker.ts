/**
 * `fromWorker`: actor logic that runs a `worker_threads` worker, the unit of CPU-bound work a
 * supervisor or a group keeps alive.
 *
 * Events sent to the actor are posted to the worker; the events the worker posts go to the
 * actor's parent, as `sendParent` would send them, and so on up through supervisors and groups
 * to the first actor that is neither. An uncaught error or an exit with a code other than 0
 * fails the actor; `shutdown` is posted to the worker, which ends on its own (exit code 0 ends
 * the actor as done); stopping the actor terminates the thread.
 *
 * The protocol, seen from the worker's script (`parentPort` of `node:worker_threads`):
 *
 * - it receives every event sent to the actor, as it was sent (without its `transfer` list),
 *   and `{ type: 'shutdown' }` when it is asked to stop: it should finish, close `parentPort`
 *   (or call `process.exit(0)`) and let its thread end;
 * - it posts events (`{ type: 'result', … }`), which go up the tree;
 * - with `readyOn: 'message'`, it posts `{ type: 'ready' }` once it can take work.
 *
 * Options and errors are in files of their own (`workerOptions.ts`, `workerError.ts`).
 */
import { type TransferListItem, Worker } from 'node:worker_threads';
import type { ActorLogic, ActorSystem, AnyActorRef, EventObject, Snapshot } from 'xstate';
import { isEventObject, sendToParent } from '../actors/guard.js';
import { guardLeaf, postInternal, takeInternal } from '../actors/internalEvents.js';
import { CHILD_DROPPED, registerLedger } from '../actors/ledger.js';
import { markSignalsReady } from '../actors/readiness.js';
import { markShutdownAware } from '../actors/shutdownAware.js';
import { environment } from './childProcessOptions.js';
import { type WorkerError, workerError } from './workerError.js';
import {
  describeWorkerSettings,
  resolveWorkerOptions,
  type WorkerOptions,
  type WorkerSettings,
} from './workerOptions.js';

export { WorkerError, type WorkerFailure } from './workerError.js';
export type { WorkerOptions, WorkerReadyOn } from './workerOptions.js';

// biome-ignore lint/suspicious/noExplicitAny: any system, as XState's own logic creators accept
type AnyActorSystem = ActorSystem<any>;

const STARTED = 'xstate.worker.started';
const READY = 'xstate.worker.ready';
const EXITED = 'xstate.worker.exited';
const FAILED = 'xstate.worker.failed';

/** The event a child sends its parent once it is ready to work. */
const SUPERVISOR_READY = 'supervisor.ready';

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

interface Runtime {
  worker: Worker;
  threadId: number;
  shutdownSent: boolean;
  ready: boolean;
  /** The actor was stopped: nothing is sent to it any more. */
  stopped: boolean;
  /** The thread has exited: events sent from now on are kept for the next run. */
  exited: boolean;
  /** The worker's uncaught error (or resource limit), if any. */
  error: unknown;
  /** Events that arrived after the thread exited, handed to the next run by a supervisor. */
  undelivered: EventObject[];
}

const runtimes = new WeakMap<AnyActorRef, Runtime>();

/**
 * Creates actor logic that runs a `worker_threads` worker. `TIn` are the events it accepts,
 * posted to the worker; `TOut` the events the worker posts, sent to the actor's parent;
 * `TInput` the actor's input, which is the worker's `workerData`.
 *
 * - Every event sent to the actor is posted to the worker as it is, `reload` included, except
 *   `transfer`: an array of `ArrayBuffer`s, `MessagePort`s and such in the event, moved to the
 *   worker rather than copied, and left out of the message. An event that cannot be posted (it
 *   holds a function) fails the actor with a {@link WorkerError}.
 * - Each event the worker posts (an object with a string `type`) is sent to the actor's parent
 *   through the actor system, as `sendParent` does; under a supervisor or a group, it goes on to
 *   their parent. Anything else it posts, and events of the reserved `xstate.` types, are
 *   dropped and reported to the parent as `{ type: 'supervisor.messagesDropped', count }`.
 * - `{ type: 'shutdown' }` is posted to the worker; it should end on its own (close
 *   `parentPort` or call `process.exit(0)`). Exit code 0 ends the actor as done, with a
 *   {@link WorkerOutput}; an uncaught error, a resource limit reached or another exit code
 *   fails it with a {@link WorkerError}. Stopping the actor (a supervisor's grace period ran
 *   out, its parent stopped, `actor.stop()`) terminates the thread.
 * - `readyOn: 'message'`: the worker posts `{ type: 'ready' }` once it can take work, and the
 *   actor sends `{ type: 'supervisor.ready' }` to its parent (once per run).
 * - `env`, `argv`, `execArgv` and `resourceLimits` are passed to `new Worker` at each start.
 *
 * The logic is shutdown-aware: a supervisor sends `shutdown`, waits up to its
 * `shutdownTimeoutMs`, then stops the actor, which terminates the thread. Each (re)start runs
 * a new thread. Invalid options throw a `TypeError` naming the option.
 *
 * @example
 *
 * ```ts
 * import { createActor, setup } from 'xstate';
 * import { createSupervisor, type EventFromWorker, fromWorker } from 'xstate-supervisor/node';
 *
 * type Job = { type: 'job'; id: number; data: ArrayBuffer };
 * type Result = { type: 'result'; id: number; digest: string };
 * // hash.mjs: parentPort.on('message', (m) => m.type === 'shutdown' ? parentPort.close()
 * //   : parentPort.postMessage({ type: 'result', id: m.id, digest: hash(m.data) }));
 * const hasher = fromWorker<Job, Result>({ file: new URL('./hash.mjs', import.meta.url) });
 *
 * const app = setup({
 *   types: { events: {} as EventFromWorker<typeof hasher> },
 *   actors: { hasher: createSupervisor(hasher, { shutdownTimeoutMs: 5_000 }) },
 * }).createMachine({
 *   invoke: { id: 'hasher', src: 'hasher' },
 *   on: { result: { actions: ({ event }) => console.log(event.id, event.digest) } },
 * });
 *
 * const actor = createActor(app).start();
 * const data = new ArrayBuffer(1024);
 * actor.getSnapshot().children.hasher?.send({ type: 'job', id: 1, data, transfer: [data] });
 * ```
 */
export function fromWorker<
  TIn extends EventObject = EventObject,
  TOut extends EventObject = EventObject,
  TInput = unknown,
>(options: WorkerOptions): WorkerActorLogic<TIn, TOut, TInput> {
  const settings = resolveWorkerOptions(options);
  const logic: WorkerActorLogic<TIn, TOut, TInput> = {
    config: describeWorkerSettings(settings),
    transition(snapshot, event, scope) {
      if (snapshot.status !== 'active') return snapshot;
      const runtime = runtimes.get(scope.self);
      // Honoured only as the very event this actor posted to itself, once.
      const internal = takeInternal(scope.self, event) !== undefined;
      switch (event.type) {
        case STARTED:
          if (!internal) return snapshot;
          return {
            ...snapshot,
            threadId: (event as unknown as { threadId: number }).threadId,
            ready: settings.readyOn === 'start',
          };
        case READY:
          return internal ? { ...snapshot, ready: true } : snapshot;
        case EXITED:
          if (!internal) return snapshot;
          runtimes.delete(scope.self);
          return {
            ...snapshot,
            status: 'done',
            output: (event as unknown as { output: WorkerOutput }).output,
            input: undefined,
          };
        case FAILED:
          if (!internal) return snapshot;
          runtimes.delete(scope.self);
          return failed(snapshot, (event as unknown as { error: WorkerError }).error);
        case 'xstate.stop':
          if (runtime) {
            runtime.stopped = true;
            terminate(runtime);
          }
          runtimes.delete(scope.self);
          return { ...snapshot, status: 'stopped', input: undefined };
        case 'shutdown':
          if (runtime && !runtime.exited && !runtime.shutdownSent) {
            runtime.shutdownSent = true;
            runtime.worker.postMessage({ type: 'shutdown' });
          }
          return snapshot;
        default: {
          if (!runtime || event.type.startsWith('xstate.')) return snapshot;
          if (runtime.exited) {
            runtime.undelivered.push(event);
            return snapshot;
          }
          const { transfer, ...message } = event as WorkerEvent<EventObject>;
          try {
            runtime.worker.postMessage(message, transfer as TransferListItem[] | undefined);
          } catch (cause) {
            runtime.stopped = true;
            terminate(runtime);
            runtimes.delete(scope.self);
            const error = workerError(settings, 'post', {
              threadId: runtime.threadId,
              cause,
              eventType: event.type,
            });
            return failed(snapshot, error);
          }
          return snapshot;
        }
      }
    },
    start(snapshot, { self }) {
      if (snapshot.status !== 'active') return;
      // A door in front of the mailbox: malformed values and foreign xstate.* events stay out.
      guardLeaf(self);
      const send = (event: EventObject) => postInternal(self, event);
      let worker: Worker;
      try {
        worker = new Worker(settings.file, {
          name: settings.name,
          workerData: snapshot.input,
          env: environment(settings.env),
          argv: [...settings.argv],
          ...(settings.execArgv ? { execArgv: [...settings.execArgv] } : {}),
          ...(settings.resourceLimits ? { resourceLimits: { ...settings.resourceLimits } } : {}),
        });
      } catch (cause) {
        send({ type: FAILED, error: workerError(settings, 'start', { cause }) } as EventObject);
        return;
      }
      const runtime: Runtime = {
        worker,
        threadId: worker.threadId,
        shutdownSent: false,
        ready: false,
        stopped: false,
        exited: false,
        error: undefined,
        undelivered: [],
      };
      runtimes.set(self, runtime);
      // Events that arrive once the thread has gone go back to a supervisor if this run fails.
      registerLedger(self, { undelivered: () => [...runtime.undelivered] });
      send({ type: STARTED, threadId: runtime.threadId } as EventObject);

      worker.on('message', (message: unknown) => {
        if (runtime.stopped) return;
        if (!isEventObject(message) || message.type.startsWith('xstate.')) {
          sendToParent(self, { type: CHILD_DROPPED, count: 1 });
          return;
        }
        if (message.type === 'ready') {
          if (settings.readyOn === 'message' && !runtime.ready) {
            runtime.ready = true;
            sendToParent(self, { type: SUPERVISOR_READY });
            send({ type: READY });
          }
          return;
        }
        sendToParent(self, message);
      });
      worker.on('messageerror', () => {
        if (!runtime.stopped) sendToParent(self, { type: CHILD_DROPPED, count: 1 });
      });
      worker.on('error', (error) => {
        // The thread ends after its uncaught error; the failure is delivered on its exit.
        runtime.error ??= error;
      });
      worker.once('exit', (exitCode) => {
        runtime.exited = true;
        if (runtime.stopped) return;
        send(outcome(settings, runtime, exitCode) as unknown as EventObject);
      });
    },
    getInitialSnapshot(_scope, input) {
      return {
        status: 'active',
        output: undefined,
        error: undefined,
        name: settings.name,
        threadId: undefined,
        ready: false,
        input,
      };
    },
    getPersistedSnapshot: (snapshot) => snapshot,
    // A thread cannot be restored: a restored active actor starts a new one, with its input.
    restoreSnapshot: (snapshot) => {
      const restored = snapshot as WorkerSnapshot<TInput>;
      return restored.status === 'active'
        ? { ...restored, threadId: undefined, ready: false }
        : restored;
    },
  };
  return markShutdownAware(settings.readyOn === 'message' ? markSignalsReady(logic) : logic);
}

function failed<TInput>(snapshot: WorkerSnapshot<TInput>, error: unknown): WorkerSnapshot<TInput> {
  return { ...snapshot, status: 'error', output: undefined, error, input: undefined };
}

/** Done or failed, from how the thread ended. */
function outcome(
  settings: WorkerSettings,
  runtime: Runtime,
  exitCode: number,
): { type: typeof EXITED; output: WorkerOutput } | { type: typeof FAILED; error: WorkerError } {
  const { threadId } = runtime;
  if (runtime.error !== undefined) {
    return {
      type: FAILED,
      error: workerError(settings, 'error', { threadId, exitCode, cause: runtime.error }),
    };
  }
  if (exitCode !== 0) {
    return { type: FAILED, error: workerError(settings, 'exit', { threadId, exitCode }) };
  }
  return {
    type: EXITED,
    output: { name: settings.name, threadId, exitCode: 0, shutdown: runtime.shutdownSent },
  };
}

/** Ends the thread; it is gone once its `exit` event has fired. */
function terminate(runtime: Runtime): void {
  if (runtime.exited) return;
  runtime.worker.terminate().catch(() => {
    // Terminating a thread that is already ending is not an error worth reporting.
  });
}
