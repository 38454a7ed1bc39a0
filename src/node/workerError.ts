/**
 * The error of a worker thread that could not start, threw an uncaught error, exited with a
 * code other than 0, or could not be posted an event.
 */
import { describe } from '../policy/options.js';
import type { WorkerSettings } from './workerOptions.js';

/** How a worker failed. */
export type WorkerFailure = 'start' | 'error' | 'exit' | 'post';

/**
 * The error of a worker thread: it could not be started (`failure: 'start'`), threw an
 * uncaught error or reached a resource limit (`'error'`, the worker's error as `cause`),
 * exited with a code other than 0 (`'exit'`), or was sent an event that cannot be posted to a
 * thread, such as one holding a function (`'post'`). The message names the worker, its thread
 * and its script.
 *
 * @example
 *
 * ```ts
 * const actor = createActor(fromWorker({ file: new URL('./hash.mjs', import.meta.url) }));
 * actor.subscribe({
 *   error(err) {
 *     if (err instanceof WorkerError) console.error(err.workerName, err.failure, err.code);
 *   },
 * });
 * actor.start();
 * ```
 */
export class WorkerError extends Error {
  override readonly name = 'WorkerError';
  /** How it failed. */
  readonly failure: WorkerFailure;
  /** The worker's name. */
  readonly workerName: string;
  /** Its script, as a path (or as given). */
  readonly file: string;
  /** Its thread id, once started. */
  readonly threadId: number | undefined;
  /** The exit code, once it exited. */
  readonly exitCode: number | null;
  /** A short code: the exit code, or the code of the worker's error (`ERR_WORKER_OUT_OF_MEMORY`). */
  readonly code: number | string | undefined;

  constructor(
    message: string,
    details: {
      failure: WorkerFailure;
      workerName: string;
      file: string;
      threadId?: number | undefined;
      exitCode?: number | null;
      cause?: unknown;
    },
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.failure = details.failure;
    this.workerName = details.workerName;
    this.file = details.file;
    this.threadId = details.threadId;
    this.exitCode = details.exitCode ?? null;
    const causeCode = (details.cause as { code?: unknown } | undefined)?.code;
    this.code =
      typeof causeCode === 'string'
        ? causeCode
        : this.exitCode === null
          ? undefined
          : this.exitCode;
  }
}

/** `Error: boom` for an error, the value described otherwise. */
function text(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : describe(error);
}

/** `worker "hash.mjs" (thread 4, /srv/app/hash.mjs)`. */
function who(settings: WorkerSettings, threadId: number | undefined): string {
  const thread = threadId === undefined ? '' : `thread ${threadId}, `;
  return `worker ${JSON.stringify(settings.name)} (${thread}${settings.location})`;
}

export function workerError(
  settings: WorkerSettings,
  failure: WorkerFailure,
  details: {
    threadId?: number | undefined;
    exitCode?: number | null;
    cause?: unknown;
    eventType?: string;
  },
): WorkerError {
  const { threadId, exitCode, cause } = details;
  const what =
    failure === 'start'
      ? `could not be started: ${text(cause)}`
      : failure === 'error'
        ? `failed: ${text(cause)}`
        : failure === 'exit'
          ? `exited with code ${exitCode}`
          : `could not be posted the event ${JSON.stringify(details.eventType)}: ${text(cause)}`;
  return new WorkerError(`${who(settings, threadId)} ${what}`, {
    failure,
    workerName: settings.name,
    file: settings.location,
    threadId,
    exitCode: exitCode ?? null,
    cause,
  });
}
