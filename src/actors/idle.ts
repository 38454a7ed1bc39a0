/**
 * `idle`: a process that does nothing until it is shut down. It keeps an otherwise empty group
 * alive, and is the simplest child to supervise in examples and benchmarks.
 */
import { fromProcess } from './fromProcess.js';

/**
 * Actor logic that does nothing until it receives `shutdown` (or is stopped), then ends as
 * done. Holds no timer and no listener outside its own abort signal.
 *
 * @example
 *
 * ```ts
 * import { createActor } from 'xstate';
 * import { createSupervisor, idle } from 'xstate-supervisor';
 *
 * const actor = createActor(createSupervisor(idle)).start();
 * actor.send({ type: 'shutdown' });
 * actor.getSnapshot().output; // { reason: 'shutdown', ... }
 * ```
 */
export const idle = fromProcess<void>(
  ({ signal }) =>
    new Promise<void>((resolve) => {
      if (signal.aborted) return resolve();
      signal.addEventListener('abort', () => resolve(), { once: true });
    }),
);
