/**
 * The React sample's machines: a browser WebSocket client, the supervisor that reconnects it,
 * and the app that invokes the supervisor.
 *
 * Each run of `client` is one connection: it says `healthy()` and emits `open` once the socket
 * is open, and fails when the connection drops, so the supervisor connects again after 250 ms,
 * then 500 ms, 1 s… up to 4 s while the server stays away. A `say` sent while the connection is
 * down is kept and goes out once, on the next connection that opens.
 */
import { sendTo, setup } from 'xstate';
import { createSupervisor, fromProcess } from '../../src/index.js';

/** Where the client connects. */
export interface ClientInput {
  url: string;
}

/** A line the user typed; the server gets it as JSON. */
export interface SayEvent {
  type: 'say';
  text: string;
}

/** What a run emits once its connection is open. */
export interface OpenEvent {
  type: 'open';
}

/** One connection: healthy once open, failed when it drops, done after `shutdown`. */
export const client = fromProcess<void, ClientInput, OpenEvent>(
  ({ input, signal, healthy, emit, onMessage }) =>
    new Promise<void>((resolve, reject) => {
      const socket = new WebSocket(input.url);
      socket.addEventListener('open', () => {
        healthy();
        emit({ type: 'open' });
        // Registered once open: what is sent before waits, for this run or the next one.
        onMessage((event) => socket.send(JSON.stringify(event)));
      });
      socket.addEventListener('close', ({ code }) => {
        if (signal.aborted) resolve();
        else reject(new Error(`connection to ${input.url} closed (code ${code})`));
      });
      signal.addEventListener('abort', () => socket.close(1000), { once: true });
    }),
);

/** The client under a supervisor, which starts it again with backoff when it fails. */
export const connection = createSupervisor(client, {
  id: 'connection',
  childId: 'client',
  input: ({ input }: { input: ClientInput }) => input,
  backoff: { initialMs: 250, maxMs: 4_000 },
});

/** The app: runs the connection and hands it what the user says. */
export const app = setup({
  types: {
    context: {} as ClientInput,
    input: {} as ClientInput,
    events: {} as SayEvent,
    children: {} as { connection: 'connection' },
  },
  actors: { connection },
}).createMachine({
  id: 'app',
  context: ({ input }) => input,
  invoke: { id: 'connection', src: 'connection', input: ({ context }) => context },
  on: { say: { actions: sendTo('connection', ({ event }) => event) } },
});
