/**
 * The state `fromWorker` keeps for one run of its thread, beside the actor's snapshot, and
 * how a run goes: the thread is started and its messages are sent up or dropped, its end is
 * read as done or failed, and it is terminated. The run tells its actor through the internal
 * events below.
 */
import { Worker } from 'node:worker_threads';
import type { AnyActorRef, EventObject } from 'xstate';
import { isEventObject, sendToParent } from '../actors/guard.js';
import { guardLeaf, postInternal } from '../actors/internalEvents.js';
import { CHILD_DROPPED, registerLedger } from '../actors/ledger.js';
import { environment } from './childProcessOptions.js';
import { type WorkerError, workerError } from './workerError.js';
import type { WorkerSettings } from './workerOptions.js';
import type { WorkerOutput } from './workerTypes.js';

/** Internal event: the thread was started and has an id. */
export const STARTED = 'xstate.worker.started';
/** Internal event: the worker said it is ready (`readyOn: 'message'`). */
export const READY = 'xstate.worker.ready';
/** Internal event: the thread ended well; carries the output. */
export const EXITED = 'xstate.worker.exited';
/** Internal event: the thread could not start, or ended badly; carries the error. */
export const FAILED = 'xstate.worker.failed';

/** The event a child sends its parent once it is ready to work. */
const SUPERVISOR_READY = 'supervisor.ready';

/** One run of a worker. */
export interface Runtime {
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

/** The run of each worker actor, while it has one. */
export const runtimes = new WeakMap<AnyActorRef, Runtime>();

/**
 * Starts a run of the worker for the actor `self`, whose input is the worker's `workerData`:
 * the run posts its start, readiness and end to the actor as internal events, and sends the
 * worker's events up to the actor's parent.
 */
export function startThread(settings: WorkerSettings, self: AnyActorRef, input: unknown): void {
  // A door in front of the mailbox: malformed values and foreign xstate.* events stay out.
  guardLeaf(self);
  const send = (event: EventObject) => postInternal(self, event);
  let worker: Worker;
  try {
    worker = new Worker(settings.file, {
      name: settings.name,
      workerData: input,
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
}

/** Done or failed, from how the thread ended. */
export function outcome(
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
export function terminate(runtime: Runtime): void {
  if (runtime.exited) return;
  runtime.worker.terminate().catch(() => {
    // Terminating a thread that is already ending is not an error worth reporting.
  });
}
