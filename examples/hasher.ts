/**
 * One supervised worker thread: an app machine sends it bytes to hash, moved rather than
 * copied, and hears each digest as a typed event. A crash of the worker is restarted with
 * backoff; `shutdown` lets it finish and end on its own.
 */
import { assign, sendTo, setup } from 'xstate';
import { createSupervisor, type EventFromWorker, fromWorker } from '../src/node.js';

/** Sent to the worker: bytes to hash. */
export type HashRequest = { type: 'hash'; id: number; data: ArrayBuffer };
/** Posted by the worker. */
export type Hashed = { type: 'hashed'; id: number; digest: string };

export const hasher = fromWorker<HashRequest, Hashed>({
  file: new URL('./workers/hasher.mjs', import.meta.url),
  readyOn: 'message', // the worker posts { type: 'ready' } once it can take work
  resourceLimits: { maxOldGenerationSizeMb: 64 },
});

export const app = setup({
  types: {
    context: {} as { digests: Record<number, string> },
    events: {} as
      | EventFromWorker<typeof hasher> // { type: 'hashed'; id; digest }
      | { type: 'hash'; id: number; text: string }
      | { type: 'shutdown' },
  },
  actors: {
    hasher: createSupervisor(hasher, { backoff: { initialMs: 100 }, shutdownTimeoutMs: 5_000 }),
  },
}).createMachine({
  context: { digests: {} },
  invoke: { id: 'hasher', src: 'hasher', onDone: '.stopped' },
  initial: 'running',
  states: {
    running: {
      on: {
        hash: {
          actions: sendTo('hasher', ({ event }) => {
            const data = new TextEncoder().encode(event.text).buffer as ArrayBuffer;
            // `transfer` moves the buffer to the worker; it is not part of the message.
            return { type: 'hash' as const, id: event.id, data, transfer: [data] };
          }),
        },
        hashed: {
          actions: assign({
            digests: ({ context, event }) => ({ ...context.digests, [event.id]: event.digest }),
          }),
        },
        shutdown: { actions: sendTo('hasher', { type: 'shutdown' }) },
      },
    },
    stopped: { type: 'final' },
  },
});
