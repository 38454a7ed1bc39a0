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
 * Options, errors, types and the run of the thread are in files of their own
 * (`workerOptions.ts`, `workerError.ts`, `workerTypes.ts`, `workerRuntime.ts`).
 */
import type { TransferListItem } from 'node:worker_threads';
import type { AnyActorRef, EventObject } from 'xstate';
import { takeInternal } from '../actors/internalEvents.js';
import { markSignalsReady } from '../actors/readiness.js';
import { markShutdownAware } from '../actors/shutdownAware.js';
import { type WorkerError, workerError } from './workerError.js';
import {
  describeWorkerSettings,
  resolveWorkerOptions,
  type WorkerOptions,
  type WorkerSettings,
} from './workerOptions.js';
import {
  EXITED,
  FAILED,
  READY,
  runtimes,
  STARTED,
  startThread,
  terminate,
} from './workerRuntime.js';
import type { WorkerActorLogic, WorkerEvent, WorkerOutput, WorkerSnapshot } from './workerTypes.js';

export { WorkerError, type WorkerFailure } from './workerError.js';
export type { WorkerOptions, WorkerReadyOn } from './workerOptions.js';
export type {
  EventFromWorker,
  MessageFromWorker,
  MessageToWorker,
  WorkerActorLogic,
  WorkerEvent,
  WorkerOutput,
  WorkerShutdownEvent,
  WorkerSnapshot,
} from './workerTypes.js';

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
    transition: (snapshot, event, scope) => transition(settings, snapshot, event, scope.self),
    start(snapshot, { self }) {
      if (snapshot.status !== 'active') return;
      startThread(settings, self, snapshot.input);
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

/**
 * The actor's step: the internal events of its run, `shutdown` (posted to the worker once),
 * its stop (the thread is terminated), and any other event, posted to the worker.
 */
function transition<TInput>(
  settings: WorkerSettings,
  snapshot: WorkerSnapshot<TInput>,
  event: EventObject,
  self: AnyActorRef,
): WorkerSnapshot<TInput> {
  if (snapshot.status !== 'active') return snapshot;
  const runtime = runtimes.get(self);
  // Honoured only as the very event this actor posted to itself, once.
  const internal = takeInternal(self, event) !== undefined;
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
      runtimes.delete(self);
      return {
        ...snapshot,
        status: 'done',
        output: (event as unknown as { output: WorkerOutput }).output,
        input: undefined,
      };
    case FAILED:
      if (!internal) return snapshot;
      runtimes.delete(self);
      return failed(snapshot, (event as unknown as { error: WorkerError }).error);
    case 'xstate.stop':
      if (runtime) {
        runtime.stopped = true;
        terminate(runtime);
      }
      runtimes.delete(self);
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
        runtimes.delete(self);
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
}

function failed<TInput>(snapshot: WorkerSnapshot<TInput>, error: unknown): WorkerSnapshot<TInput> {
  return { ...snapshot, status: 'error', output: undefined, error, input: undefined };
}
