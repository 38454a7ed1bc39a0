/**
 * `fromProcess`: actor logic for a long-running async unit of work, the kind of child a
 * supervisor keeps alive.
 *
 * The `run` function gets an `AbortSignal` that aborts on `shutdown` (and when the actor is
 * stopped), and registers handlers for `reload` and for any other message. Messages that arrive
 * before their handler is registered are kept and delivered on registration, so nothing sent
 * early is lost. Resolving ends the actor as done; throwing or rejecting ends it in error.
 *
 * Here: the logic. A run (its state, its steps, its start) is in `processRun.ts`, the types
 * in `processTypes.ts`.
 */
import type { AnyEventObject, EventObject, NonReducibleUnknown } from 'xstate';
import { guardLeaf } from './internalEvents.js';
import { processTransition, startProcess } from './processRun.js';
import type { ProcessActorLogic, ProcessContext, ProcessSnapshot } from './processTypes.js';
import { markShutdownAware } from './shutdownAware.js';

export { MAX_BUFFERED_MESSAGES, PROCESS_REJECT, PROCESS_RESOLVE } from './processRun.js';
export type {
  ProcessActorLogic,
  ProcessActorRef,
  ProcessContext,
  ProcessControlEvent,
  ProcessEvent,
  ProcessMessageHandler,
  ProcessSnapshot,
} from './processTypes.js';

/**
 * Creates actor logic for a long-running async process, the unit of work a supervisor keeps
 * alive.
 *
 * - `signal` aborts on `{ type: 'shutdown' }` and when the actor is stopped.
 * - `onReload` / `onMessage` register handlers for `reload` and for any other event.
 * - `sendBack` sends an event to the parent (through a supervisor, to the supervisor's parent);
 *   `emit` emits one to listeners; `healthy` resets the supervisor's failure count.
 * - Resolving ends the actor as done with that output. Throwing (also synchronously) or
 *   rejecting ends it in error; a non-`Error` value is wrapped in a `ThrownValueError`. A
 *   handler that throws or rejects fails the process too.
 *
 * The type parameters, all optional: `TOutput` (what `run` resolves to), `TInput`, `TEmitted`
 * (what `emit` takes), `TMessage` (the messages it accepts: a supervisor or group around it
 * accepts these, `shutdown` and `reload`, and any other event does not compile; default any
 * event) and `TSent` (what `sendBack` takes; default any event). Instead of listing them, the
 * context's type can be given on `run`'s parameter (`ctx: ProcessContext<TInput, TEmitted,
 * TMessage, TSent>`), and then all of them are inferred, the output included.
 *
 * Supervisors recognize this logic as shutdown-aware: they send `shutdown` and wait for `run`
 * to finish, up to their grace period.
 *
 * @example
 *
 * ```ts
 * import { createActor } from 'xstate';
 * import { fromProcess } from 'xstate-supervisor';
 *
 * const worker = fromProcess<void, { queue: string }>(async ({ input, signal, onReload }) => {
 *   let config = await loadConfig();
 *   onReload(async () => {
 *     config = await loadConfig();
 *   });
 *   while (!signal.aborted) {
 *     await processNextJob(input.queue, config, signal);
 *   }
 * });
 *
 * const actor = createActor(worker, { input: { queue: 'emails' } }).start();
 * actor.send({ type: 'reload' });
 * actor.send({ type: 'shutdown' }); // signal aborts; the actor is done once run resolves
 * ```
 *
 * @example
 *
 * ```ts
 * import type { EventObject } from 'xstate';
 * import { createSupervisor, fromProcess } from 'xstate-supervisor';
 *
 * type Job = { type: 'job'; id: string };
 * type JobDone = { type: 'job.done'; id: string };
 *
 * // Typed both ways: it accepts jobs, and sends its parent job.done.
 * const jobs = fromProcess<void, void, EventObject, Job, JobDone>(
 *   ({ onMessage, sendBack, signal }) =>
 *     new Promise<void>((resolve) => {
 *       onMessage(async (job) => {
 *         await runJob(job.id);
 *         sendBack({ type: 'job.done', id: job.id });
 *       });
 *       signal.addEventListener('abort', () => resolve());
 *     }),
 * );
 * const supervised = createSupervisor(jobs); // accepts job, shutdown and reload only
 * ```
 */
export function fromProcess<
  TOutput = void,
  TInput = NonReducibleUnknown,
  TEmitted extends EventObject = EventObject,
  TMessage extends EventObject = AnyEventObject,
  TSent extends EventObject = AnyEventObject,
>(
  run: (
    context: ProcessContext<TInput, TEmitted, TMessage, TSent>,
  ) => PromiseLike<TOutput> | TOutput,
): ProcessActorLogic<TOutput, TInput, TEmitted, TMessage> {
  const logic: ProcessActorLogic<TOutput, TInput, TEmitted, TMessage> = {
    config: run,
    transition: processTransition,
    start(snapshot, scope) {
      startProcess(run, snapshot, scope);
    },
    getInitialSnapshot(scope, input) {
      guardLeaf(scope?.self);
      return { status: 'active', output: undefined, error: undefined, input };
    },
    getPersistedSnapshot: (snapshot) => snapshot,
    restoreSnapshot(snapshot, scope) {
      guardLeaf(scope?.self);
      return snapshot as ProcessSnapshot<TOutput, TInput>;
    },
  };
  return markShutdownAware(logic);
}
